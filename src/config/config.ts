import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SurfhiveError } from '../errors/codes.js';
import { MIRROR_KEY_RE } from '../hive/names.js';

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
  /** Workers: the port their own /metrics listens on (on `host`); 0: none. */
  workerMetricsPort: number;
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
  /** CPU niceness of the tools, builder processes and builder threads started for clients (0: the server's own). */
  toolNice: number;
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
  /** Wall-clock limit of one kernel build or module addition in its builder process, ms. */
  buildTimeoutMs: number;
  /** How long a mirror's parsed package index is reused by later resolutions, ms (0: never). */
  indexCacheTtlMs: number;
  /** Package indexes kept parsed at most (each one repository of one release and arch). */
  indexCacheEntries: number;
  /** debuginfod servers asked for the BTF of build ids the hive does not hold (none: misses are 404). */
  debuginfodUpstreams: string[];
  /** Ingest: a mirror silent this long fails the attempt (no answer, or no byte of a transfer), ms. */
  mirrorTimeoutMs: number;
  /** Ingest: failed attempts retried (network faults, 5xx) before an index read gives up. */
  mirrorRetries: number;
  /** How long one upstream debuginfod server gets to answer, ms. */
  debuginfodTimeoutMs: number;
}

/**
 * A setting the user gave wrongly, named as they gave it: the command-line flag when there was
 * one, else the environment variable. The CLI prints its one line and exits 2.
 */
export class SettingError extends SurfhiveError {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super('INVALID_FIELD', `${setting} ${problem}`);
  }
}

/** The command-line flags that set a Config field, as typed (strings); checked here with the rest. */
export interface ConfigFlags {
  hive?: string;
  port?: string;
  host?: string;
  processes?: string;
  concurrency?: string;
  api?: string;
  metricsPort?: string;
}

/** Where one setting's text came from: its name (flag or variable) and the text. */
interface Source {
  name: string;
  value: string | undefined;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** A value echoed in a message: the user's own input, shortened. */
const shown = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
const given = (s: Source): s is Source & { value: string } => s.value !== undefined && s.value !== '';

const int = (s: Source, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number => {
  if (!given(s)) return dflt;
  const n = /^[0-9]+$/.test(s.value.trim()) ? Number(s.value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new SettingError(
      s.name,
      max === Number.MAX_SAFE_INTEGER
        ? `must be a whole number${min > 0 ? ` of at least ${min}` : ''}, not ${shown(s.value)}`
        : `must be a whole number from ${min} to ${max}, not ${shown(s.value)}`,
    );
  return n;
};

const oneOf = <T extends string>(s: Source, allowed: readonly T[], dflt: T): T => {
  if (!given(s)) return dflt;
  if (!(allowed as readonly string[]).includes(s.value))
    throw new SettingError(s.name, `must be one of ${allowed.join(', ')}, not ${shown(s.value)}`);
  return s.value as T;
};

const sha256List = (s: Source) => {
  const items = (s.value ?? '')
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter((x) => x !== '');
  // the values are never echoed: a token pasted here by mistake must not reach a terminal log
  for (const x of items)
    if (!/^[0-9a-f]{64}$/.test(x))
      throw new SettingError(
        s.name,
        'must list sha256 hex digests, comma-separated (see surfhive token new)',
      );
  return items;
};

/** `auto` (one per core) or a whole number from 1 to 256. */
function processCount(s: Source, dflt = 1): number {
  if (!given(s)) return dflt;
  if (s.value === 'auto') return os.availableParallelism();
  const n = /^[0-9]+$/.test(s.value.trim()) ? Number(s.value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new SettingError(s.name, `must be auto or a whole number from 1 to 256, not ${shown(s.value)}`);
  return n;
}

/** A listen address: an IP address or a host name. */
function hostName(s: Source, dflt: string): string {
  if (!given(s)) return dflt;
  if (isIP(s.value) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(s.value))
    throw new SettingError(s.name, `must be an IP address or a host name, not ${shown(s.value)}`);
  return s.value;
}

/** An http(s) URL without query, fragment or credentials, no trailing slash. */
function httpUrl(s: Source): string | undefined {
  if (!given(s)) return undefined;
  let u: URL | undefined;
  try {
    u = new URL(s.value);
  } catch {
    u = undefined;
  }
  if (
    !u ||
    (u.protocol !== 'http:' && u.protocol !== 'https:') ||
    u.search ||
    u.hash ||
    u.username ||
    u.password
  )
    throw new SettingError(s.name, `must be an http(s) URL without query, fragment or credentials`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

const nameList = (s: Source) => {
  const items = (s.value ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  for (const x of items)
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(x))
      throw new SettingError(s.name, `must list release names, comma-separated, not ${shown(x)}`);
  return items;
};

/** Space- or comma-separated http(s) base URLs, as DEBUGINFOD_URLS lists them. */
const urlList = (s: Source) =>
  (s.value ?? '')
    .split(/[\s,]+/)
    .filter((x) => x !== '')
    .map((x) => {
      let u: URL | undefined;
      try {
        u = new URL(x);
      } catch {
        u = undefined;
      }
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
        throw new SettingError(s.name, `must list http(s) URLs, not ${shown(x)}`);
      return u.href.replace(/\/+$/, '');
    });

function redisUrl(s: Source): string | undefined {
  if (!given(s)) return undefined;
  if (!/^rediss?:\/\/[^\s]+$/.test(s.value))
    throw new SettingError(s.name, 'must be a redis:// or rediss:// URL');
  return s.value;
}

function existingFile(s: Source): string | undefined {
  if (!given(s)) return undefined;
  const file = path.resolve(s.value);
  if (!existsSync(file) || !statSync(file).isFile())
    throw new SettingError(s.name, `names no file: ${shown(s.value)}`);
  return file;
}

/** `RELEASE=URL` or `RELEASE.BASE=URL` items; whether the release exists is the catalog's to say. */
export function mirrorList(name: string, items: string[]): string[] {
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0 || !MIRROR_KEY_RE.test(item.slice(0, eq)))
      throw new SettingError(name, `must look like RELEASE=URL or RELEASE.BASE=URL, not ${shown(item)}`);
    try {
      httpUrl({ name, value: item.slice(eq + 1) });
    } catch {
      throw new SettingError(
        name,
        `${item.slice(0, eq)}=...: the URL must be http(s), without query or credentials`,
      );
    }
  }
  return items;
}

/**
 * Every setting, checked here and nowhere else: from the environment, then the command-line
 * `flags` (raw, named in errors as flags), then typed `overrides` (tests, embedding). A wrong
 * value throws a SettingError naming the flag or variable, before any work starts.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
  flags: ConfigFlags = {},
): Config {
  const v = (name: string, flag?: keyof ConfigFlags): Source =>
    flag !== undefined && flags[flag] !== undefined
      ? { name: `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, value: flags[flag] }
      : { name, value: env[name] };
  const hive = path.resolve(overrides.hive ?? flags.hive ?? env.SURFHIVE_HIVE ?? './hive');
  const base: Config = {
    hive,
    host: hostName(v('SURFHIVE_HOST', 'host'), '0.0.0.0'),
    port: int(v('SURFHIVE_PORT', 'port'), 7655, 0, 65535),
    logLevel: oneOf(v('SURFHIVE_LOG_LEVEL'), LOG_LEVELS, 'info'),
    accessLog: oneOf(v('SURFHIVE_ACCESS_LOG'), ['on', 'off'], 'on') === 'on',
    redisUrl: redisUrl(v('REDIS_URL')),
    processes: processCount(v('SURFHIVE_PROCESSES', 'processes')),
    dbCacheSize: int(v('SURFHIVE_DB_CACHE'), 512),
    bodyLimit: int(v('SURFHIVE_BODY_LIMIT'), 24 * 1024 * 1024),
    workDir: path.resolve(env.SURFHIVE_WORK_DIR ?? path.join(hive, '.work')),
    compileCacheDir: path.resolve(env.SURFHIVE_COMPILE_CACHE ?? path.join(hive, '.cache', 'compile')),
    pchCacheDir:
      env.SURFHIVE_PCH_CACHE === 'off'
        ? undefined
        : path.resolve(env.SURFHIVE_PCH_CACHE || path.join(hive, '.cache', 'pch')),
    compileConcurrency: int(v('SURFHIVE_COMPILE_CONCURRENCY', 'concurrency'), 2, 1),
    maxCompileBacklog: int(v('SURFHIVE_MAX_COMPILE_BACKLOG'), 200),
    queuePrefix: env.SURFHIVE_QUEUE_PREFIX ?? 'surfhive',
    apiUrl: httpUrl(v('SURFHIVE_API_URL', 'api')),
    workerToken: env.SURFHIVE_WORKER_TOKEN || undefined,
    operatorTokenHashes: sha256List(v('SURFHIVE_OPERATOR_TOKEN_HASHES')),
    workerLockMs: int(v('SURFHIVE_WORKER_LOCK_MS'), 30_000),
    workerMetricsPort: int(v('SURFHIVE_WORKER_METRICS_PORT', 'metricsPort'), 0, 0, 65535),
    compileAuth: oneOf(v('SURFHIVE_COMPILE_AUTH'), ['open', 'token'], 'open'),
    compileTokenHashes: sha256List(v('SURFHIVE_COMPILE_TOKEN_HASHES')),
    workerTokenHashes: sha256List(v('SURFHIVE_WORKER_TOKEN_HASHES')),
    rateWindowMs: int(v('SURFHIVE_RATE_WINDOW_MS'), 60_000),
    lookupRateLimit: int(v('SURFHIVE_LOOKUP_RATE_LIMIT'), 30_000),
    compileRateLimit: int(v('SURFHIVE_COMPILE_RATE_LIMIT'), 600),
    connectionTimeoutMs: int(v('SURFHIVE_CONNECTION_TIMEOUT_MS'), 60_000),
    requestTimeoutMs: int(v('SURFHIVE_REQUEST_TIMEOUT_MS'), 120_000),
    headersTimeoutMs: int(v('SURFHIVE_HEADERS_TIMEOUT_MS'), 20_000),
    keepAliveTimeoutMs: int(v('SURFHIVE_KEEPALIVE_TIMEOUT_MS'), 72_000),
    shutdownDeadlineMs: int(v('SURFHIVE_SHUTDOWN_DEADLINE_MS'), 30_000),
    sandbox: oneOf(v('SURFHIVE_SANDBOX'), ['bwrap', 'docker'], 'bwrap'),
    sandboxImage: env.SURFHIVE_SANDBOX_IMAGE || 'surfhive-sandbox:{arch}',
    toolNice: int(v('SURFHIVE_TOOL_NICE'), 10, 0, 19),
    artifactMaxBytes: int(v('SURFHIVE_ARTIFACT_MAX_BYTES'), 8 * 1024 * 1024),
    compileCacheBytes: int(v('SURFHIVE_COMPILE_CACHE_BYTES'), 1024 * 1024 * 1024),
    compileDeadlineMs: int(v('SURFHIVE_COMPILE_DEADLINE_MS'), 25_000),
    compileMemoryBytes: int(v('SURFHIVE_COMPILE_MEMORY_BYTES'), 2 * 1024 * 1024 * 1024),
    lbcAnswerMaxBytes: int(v('SURFHIVE_LBC_ANSWER_MAX_BYTES'), 32 * 1024 * 1024),
    lbcBodyLimit: int(v('SURFHIVE_LBC_BODY_LIMIT'), 2 * 1024 * 1024),
    jsonMaxDepth: int(v('SURFHIVE_JSON_MAX_DEPTH'), 32),
    jsonMaxItems: int(v('SURFHIVE_JSON_MAX_ITEMS'), 20_000),
    koConcurrency: int(v('SURFHIVE_KO_CONCURRENCY'), 1, 1),
    koMaxBacklog: int(v('SURFHIVE_KO_MAX_BACKLOG'), 8),
    koDeadlineMs: int(v('SURFHIVE_KO_DEADLINE_MS'), 25_000),
    koRateLimit: int(v('SURFHIVE_KO_RATE_LIMIT'), 30),
    koMaxRows: int(v('SURFHIVE_KO_MAX_ROWS'), 200_000),
    publicUrl: httpUrl(v('SURFHIVE_PUBLIC_URL')),
    releaseOrder: nameList(v('SURFHIVE_RELEASE_ORDER')),
    catalogFile: existingFile(v('SURFHIVE_CATALOG')),
    mirrors: mirrorList(
      'SURFHIVE_MIRRORS',
      (env.SURFHIVE_MIRRORS ?? '').split(/[\s,]+/).filter((s) => s !== ''),
    ),
    autoIngest: oneOf(v('SURFHIVE_AUTO_INGEST'), ['on', 'off'], 'off') === 'on',
    autoIngestNegativeMs: int(v('SURFHIVE_AUTO_INGEST_NEGATIVE_MS'), 30 * 60_000),
    uploadLimit: int(v('SURFHIVE_UPLOAD_LIMIT'), 2 * 1024 * 1024 * 1024),
    buildTimeoutMs: int(v('SURFHIVE_BUILD_TIMEOUT_MS'), 60 * 60_000, 1),
    indexCacheTtlMs: int(v('SURFHIVE_INDEX_CACHE_TTL_MS'), 10 * 60_000),
    indexCacheEntries: int(v('SURFHIVE_INDEX_CACHE_ENTRIES'), 64),
    debuginfodUpstreams: urlList(v('SURFHIVE_DEBUGINFOD_UPSTREAMS')),
    mirrorTimeoutMs: int(v('SURFHIVE_MIRROR_TIMEOUT_MS'), 60_000, 1),
    mirrorRetries: int(v('SURFHIVE_MIRROR_RETRIES'), 4, 0, 20),
    debuginfodTimeoutMs: int(v('SURFHIVE_DEBUGINFOD_TIMEOUT_MS'), 10_000),
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
