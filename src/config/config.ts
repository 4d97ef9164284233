import os from 'node:os';
import path from 'node:path';

/** Every setting, with the environment variable that sets it. CLI flags override the environment. */
export interface Config {
  hive: string;
  host: string;
  port: number;
  logLevel: string;
  /** One `info` line per HTTP request (method, route, status, duration, client, request id). */
  accessLog: boolean;
  /** BullMQ on Redis when set; an in-process queue otherwise. */
  redisUrl: string | undefined;
  /** Server processes sharing the port (`serve`): `auto` in SURFHIVE_PROCESSES means one per core. */
  processes: number;
  /** Open handles kept in the database cache. */
  dbCacheSize: number;
  /** Largest request body accepted, bytes. */
  bodyLimit: number;
  /** Where build/compile scratch directories are made. */
  workDir: string;
  /** Content-addressed store of finished compiles. */
  compileCacheDir: string;
  /** Precompiled lbc.h + vmlinux.h per kernel, shared by compiles; undefined (`off`): none. */
  pchCacheDir: string | undefined;
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
  /** `open`: anyone may compile; `token`: the REST compile routes need a compile (or operator) token. */
  compileAuth: 'open' | 'token';
  /** sha256 hex digests of the tokens that may compile when compileAuth is `token`. */
  compileTokenHashes: string[];
  /** sha256 hex digests of the tokens remote workers present to return compile results. */
  workerTokenHashes: string[];
  /** Length of one rate-limit window, ms. */
  rateWindowMs: number;
  /** Lookup requests one client may make per window (0: no limit). */
  lookupRateLimit: number;
  /** Compile submissions one client may make per window (0: no limit). */
  compileRateLimit: number;
  /** A socket idle this long is closed, ms. */
  connectionTimeoutMs: number;
  /** A request whose headers and body have not all arrived in this time is cut off, ms. */
  requestTimeoutMs: number;
  /** A request whose headers have not all arrived in this time is cut off, ms. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long, ms. */
  keepAliveTimeoutMs: number;
  /** On SIGTERM, in-flight requests or running jobs get this long before the process exits anyway, ms. */
  shutdownDeadlineMs: number;
  /** How compile tools are confined: bubblewrap on this machine, or one Docker container per step. */
  sandbox: 'bwrap' | 'docker';
  /** The image of the per-step compile containers (docker/sandbox.Dockerfile); `{arch}` becomes the target arch. */
  sandboxImage: string;
  /** Largest compile artifact (.o, .so) a step may write and the cache may keep, bytes. */
  artifactMaxBytes: number;
  /** Bytes the compile result cache may hold; the least recently used entries go first. */
  compileCacheBytes: number;
  /** Wall-clock time of one compile job, every step included, ms. */
  compileDeadlineMs: number;
  /** Address space of one compile job's processes together, bytes. */
  compileMemoryBytes: number;
  /** Largest /lbc answer body, bytes (a compile artifact or `ko` database past what is left is refused). */
  lbcAnswerMaxBytes: number;
  /** Largest /lbc request body of anything but `ko`, bytes (SURFHIVE_BODY_LIMIT is the `ko` limit). */
  lbcBodyLimit: number;
  /** Deepest JSON nesting accepted in any request body. */
  jsonMaxDepth: number;
  /** Most JSON values (array items, object members) accepted in one request body. */
  jsonMaxItems: number;
  /** `ko` builds run at once (each runs pahole and the DWARF helper). */
  koConcurrency: number;
  /** `ko` builds waiting or running past which new ones are refused. */
  koMaxBacklog: number;
  /** Wall-clock time of one `ko` build, ms. */
  koDeadlineMs: number;
  /** `ko` requests one client may make per window (0: no limit). */
  koRateLimit: number;
  /** Most struct, type and function rows one `ko` build may produce. */
  koMaxRows: number;
  /** The URL clients reach this server at (the `kernel=auto` script calls back to it); unset: a checked Host header. */
  publicUrl: string | undefined;
  /** Where a `uname -r` suffix is shared (el8: centos, rocky, alma, oracle), releases tried first, in order. */
  releaseOrder: string[];
  /** A JSON catalog merged over the built-in one (a release it names replaces the built-in entry). */
  catalogFile: string | undefined;
  /** `RELEASE=URL` / `RELEASE.BASE=URL` mirror overrides for REST ingest and provisioning. */
  mirrors: string[];
  /** A lookup, compile or download for a missing kernel queues its ingest from the release's mirror. */
  autoIngest: boolean;
  /** A kernel no mirror offers is not looked for again for this long, ms. */
  autoIngestNegativeMs: number;
  /** Largest kernel upload (PUT /api/v1/kernels/...), bytes. */
  uploadLimit: number;
  /** debuginfod servers asked for the BTF of build ids the hive does not hold (none: misses are 404). */
  debuginfodUpstreams: string[];
  /** How long one upstream debuginfod server gets to answer, ms. */
  debuginfodTimeoutMs: number;
}

const int = (v: string | undefined, dflt: number) => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a whole number: ${v}`);
  return n;
};

const oneOf = <T extends string>(name: string, v: string | undefined, allowed: readonly T[], dflt: T): T => {
  if (v === undefined || v === '') return dflt;
  if (!(allowed as readonly string[]).includes(v))
    throw new Error(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
};

const sha256List = (v: string | undefined, name = 'SURFHIVE_OPERATOR_TOKEN_HASHES') => {
  const items = (v ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  for (const s of items)
    if (!/^[0-9a-f]{64}$/.test(s)) throw new Error(`${name} must list sha256 hex digests, comma-separated`);
  return items;
};

/** `auto` (one per core) or a whole number from 1 to 256. */
export function processCount(v: string | undefined, dflt = 1): number {
  if (v === undefined || v === '') return dflt;
  if (v === 'auto') return os.availableParallelism();
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`processes must be auto or 1 to 256: ${v}`);
  return n;
}

/** An http(s) origin with an optional path prefix, no query, no trailing slash. */
function publicUrl(v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new Error('SURFHIVE_PUBLIC_URL must be an http(s) URL');
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash || u.username || u.password)
    throw new Error('SURFHIVE_PUBLIC_URL must be an http(s) URL without query, fragment or credentials');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}
const nameList = (v: string | undefined, name: string) => {
  const items = (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of items)
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(s))
      throw new Error(`${name} must list release names, comma-separated`);
  return items;
};
/** Space- or comma-separated http(s) base URLs, as DEBUGINFOD_URLS lists them. */
const urlList = (v: string | undefined, name: string) =>
  (v ?? '')
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map((s) => {
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        throw new Error(`${name} must list http(s) URLs`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:')
        throw new Error(`${name} must list http(s) URLs`);
      return u.href.replace(/\/+$/, '');
    });

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const hive = path.resolve(overrides.hive ?? env.SURFHIVE_HIVE ?? './hive');
  const base: Config = {
    hive,
    host: env.SURFHIVE_HOST ?? '0.0.0.0',
    port: int(env.SURFHIVE_PORT, 7655),
    logLevel: env.SURFHIVE_LOG_LEVEL ?? 'info',
    accessLog: oneOf('SURFHIVE_ACCESS_LOG', env.SURFHIVE_ACCESS_LOG, ['on', 'off'], 'on') === 'on',
    redisUrl: env.REDIS_URL || undefined,
    processes: processCount(env.SURFHIVE_PROCESSES),
    dbCacheSize: int(env.SURFHIVE_DB_CACHE, 64),
    bodyLimit: int(env.SURFHIVE_BODY_LIMIT, 24 * 1024 * 1024),
    workDir: path.resolve(env.SURFHIVE_WORK_DIR ?? path.join(hive, '.work')),
    compileCacheDir: path.resolve(env.SURFHIVE_COMPILE_CACHE ?? path.join(hive, '.cache', 'compile')),
    pchCacheDir:
      env.SURFHIVE_PCH_CACHE === 'off'
        ? undefined
        : path.resolve(env.SURFHIVE_PCH_CACHE || path.join(hive, '.cache', 'pch')),
    compileConcurrency: int(env.SURFHIVE_COMPILE_CONCURRENCY, 2),
    maxCompileBacklog: int(env.SURFHIVE_MAX_COMPILE_BACKLOG, 200),
    queuePrefix: env.SURFHIVE_QUEUE_PREFIX ?? 'surfhive',
    apiUrl: env.SURFHIVE_API_URL || undefined,
    workerToken: env.SURFHIVE_WORKER_TOKEN || undefined,
    operatorTokenHashes: sha256List(env.SURFHIVE_OPERATOR_TOKEN_HASHES),
    workerLockMs: int(env.SURFHIVE_WORKER_LOCK_MS, 30_000),
    compileAuth: oneOf('SURFHIVE_COMPILE_AUTH', env.SURFHIVE_COMPILE_AUTH, ['open', 'token'], 'open'),
    compileTokenHashes: sha256List(env.SURFHIVE_COMPILE_TOKEN_HASHES, 'SURFHIVE_COMPILE_TOKEN_HASHES'),
    workerTokenHashes: sha256List(env.SURFHIVE_WORKER_TOKEN_HASHES, 'SURFHIVE_WORKER_TOKEN_HASHES'),
    rateWindowMs: int(env.SURFHIVE_RATE_WINDOW_MS, 60_000),
    lookupRateLimit: int(env.SURFHIVE_LOOKUP_RATE_LIMIT, 30_000),
    compileRateLimit: int(env.SURFHIVE_COMPILE_RATE_LIMIT, 600),
    connectionTimeoutMs: int(env.SURFHIVE_CONNECTION_TIMEOUT_MS, 60_000),
    requestTimeoutMs: int(env.SURFHIVE_REQUEST_TIMEOUT_MS, 120_000),
    headersTimeoutMs: int(env.SURFHIVE_HEADERS_TIMEOUT_MS, 20_000),
    keepAliveTimeoutMs: int(env.SURFHIVE_KEEPALIVE_TIMEOUT_MS, 72_000),
    shutdownDeadlineMs: int(env.SURFHIVE_SHUTDOWN_DEADLINE_MS, 30_000),
    sandbox: oneOf('SURFHIVE_SANDBOX', env.SURFHIVE_SANDBOX, ['bwrap', 'docker'], 'bwrap'),
    sandboxImage: env.SURFHIVE_SANDBOX_IMAGE || 'surfhive-sandbox:{arch}',
    artifactMaxBytes: int(env.SURFHIVE_ARTIFACT_MAX_BYTES, 8 * 1024 * 1024),
    compileCacheBytes: int(env.SURFHIVE_COMPILE_CACHE_BYTES, 1024 * 1024 * 1024),
    compileDeadlineMs: int(env.SURFHIVE_COMPILE_DEADLINE_MS, 25_000),
    compileMemoryBytes: int(env.SURFHIVE_COMPILE_MEMORY_BYTES, 2 * 1024 * 1024 * 1024),
    lbcAnswerMaxBytes: int(env.SURFHIVE_LBC_ANSWER_MAX_BYTES, 32 * 1024 * 1024),
    lbcBodyLimit: int(env.SURFHIVE_LBC_BODY_LIMIT, 2 * 1024 * 1024),
    jsonMaxDepth: int(env.SURFHIVE_JSON_MAX_DEPTH, 32),
    jsonMaxItems: int(env.SURFHIVE_JSON_MAX_ITEMS, 20_000),
    koConcurrency: int(env.SURFHIVE_KO_CONCURRENCY, 1),
    koMaxBacklog: int(env.SURFHIVE_KO_MAX_BACKLOG, 8),
    koDeadlineMs: int(env.SURFHIVE_KO_DEADLINE_MS, 25_000),
    koRateLimit: int(env.SURFHIVE_KO_RATE_LIMIT, 30),
    koMaxRows: int(env.SURFHIVE_KO_MAX_ROWS, 200_000),
    publicUrl: publicUrl(env.SURFHIVE_PUBLIC_URL),
    releaseOrder: nameList(env.SURFHIVE_RELEASE_ORDER, 'SURFHIVE_RELEASE_ORDER'),
    catalogFile: env.SURFHIVE_CATALOG ? path.resolve(env.SURFHIVE_CATALOG) : undefined,
    mirrors: (env.SURFHIVE_MIRRORS ?? '').split(/[\s,]+/).filter((s) => s !== ''),
    autoIngest: oneOf('SURFHIVE_AUTO_INGEST', env.SURFHIVE_AUTO_INGEST, ['on', 'off'], 'off') === 'on',
    autoIngestNegativeMs: int(env.SURFHIVE_AUTO_INGEST_NEGATIVE_MS, 30 * 60_000),
    uploadLimit: int(env.SURFHIVE_UPLOAD_LIMIT, 2 * 1024 * 1024 * 1024),
    debuginfodUpstreams: urlList(env.SURFHIVE_DEBUGINFOD_UPSTREAMS, 'SURFHIVE_DEBUGINFOD_UPSTREAMS'),
    debuginfodTimeoutMs: int(env.SURFHIVE_DEBUGINFOD_TIMEOUT_MS, 10_000),
  };
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const merged: Config = { ...base, ...defined };
  // Every directory is absolute: tools run with other working directories.
  return {
    ...merged,
    hive: path.resolve(merged.hive),
    workDir: path.resolve(merged.workDir),
    compileCacheDir: path.resolve(merged.compileCacheDir),
    pchCacheDir: merged.pchCacheDir === undefined ? undefined : path.resolve(merged.pchCacheDir),
  };
}
