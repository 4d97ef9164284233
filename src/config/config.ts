import path from 'node:path';

/** Every setting, with the environment variable that sets it. CLI flags override the environment. */
export interface Config {
  hive: string;
  host: string;
  port: number;
  logLevel: string;
  /** BullMQ on Redis when set; an in-process queue otherwise. */
  redisUrl: string | undefined;
  /** Open handles kept in the database cache. */
  dbCacheSize: number;
  /** Largest request body accepted, bytes. */
  bodyLimit: number;
  /** Where build/compile scratch directories are made. */
  workDir: string;
  /** Content-addressed store of finished compiles. */
  compileCacheDir: string;
  /** Compiles run at once by the in-process pool (no Redis) or by one worker process. */
  compileConcurrency: number;
  /** Compiles waiting or running past which new ones get 503. */
  maxCompileBacklog: number;
  /** Prefix of every BullMQ key: lets several deployments (or tests) share one Redis. */
  queuePrefix: string;
  /** Workers: the API they fetch vmlinux.h from and return artifacts to. */
  apiUrl: string | undefined;
  /** Workers: the token the API accepts for returned artifacts. */
  workerToken: string | undefined;
  /** Workers: a job whose worker stops renewing its lock this long is taken over by another. */
  workerLockMs: number;
  /** sha256 hex digests of the operator tokens (ingest over HTTP); the tokens themselves are never stored. */
  operatorTokenHashes: string[];
}

const int = (v: string | undefined, dflt: number) => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a whole number: ${v}`);
  return n;
};

const sha256List = (v: string | undefined) => {
  const items = (v ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  for (const s of items)
    if (!/^[0-9a-f]{64}$/.test(s))
      throw new Error('SURFHIVE_OPERATOR_TOKEN_HASHES must list sha256 hex digests, comma-separated');
  return items;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const hive = path.resolve(overrides.hive ?? env.SURFHIVE_HIVE ?? './hive');
  const base: Config = {
    hive,
    host: env.SURFHIVE_HOST ?? '0.0.0.0',
    port: int(env.SURFHIVE_PORT, 7655),
    logLevel: env.SURFHIVE_LOG_LEVEL ?? 'info',
    redisUrl: env.REDIS_URL || undefined,
    dbCacheSize: int(env.SURFHIVE_DB_CACHE, 64),
    bodyLimit: int(env.SURFHIVE_BODY_LIMIT, 24 * 1024 * 1024),
    workDir: path.resolve(env.SURFHIVE_WORK_DIR ?? path.join(hive, '.work')),
    compileCacheDir: path.resolve(env.SURFHIVE_COMPILE_CACHE ?? path.join(hive, '.cache', 'compile')),
    compileConcurrency: int(env.SURFHIVE_COMPILE_CONCURRENCY, 2),
    maxCompileBacklog: int(env.SURFHIVE_MAX_COMPILE_BACKLOG, 200),
    queuePrefix: env.SURFHIVE_QUEUE_PREFIX ?? 'surfhive',
    apiUrl: env.SURFHIVE_API_URL || undefined,
    workerToken: env.SURFHIVE_WORKER_TOKEN || undefined,
    operatorTokenHashes: sha256List(env.SURFHIVE_OPERATOR_TOKEN_HASHES),
    workerLockMs: int(env.SURFHIVE_WORKER_LOCK_MS, 30_000),
  };
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const merged: Config = { ...base, ...defined };
  // Every directory is absolute: tools run with other working directories.
  return {
    ...merged,
    hive: path.resolve(merged.hive),
    workDir: path.resolve(merged.workDir),
    compileCacheDir: path.resolve(merged.compileCacheDir),
  };
}
