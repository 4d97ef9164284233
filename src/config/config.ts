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
}

const int = (v: string | undefined, dflt: number) => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a whole number: ${v}`);
  return n;
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
  };
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...base, ...defined };
}
