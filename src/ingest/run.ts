import fs from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../errors/codes.js';
import { artifactDir, type KernelKey } from '../hive/layout.js';
import { type Arch, checkArch, checkRelease, checkVer, MIRROR_KEY_RE } from '../hive/names.js';
import { makeStagingDir, withKernelLock } from '../hive/publish.js';
import { sha256File } from '../hive/same-content.js';
import { inProcessBuilder, type KernelBuilder } from '../indexer/build-process.js';
import { type BuildStats, isPublished } from '../indexer/pipeline.js';
import type { Logger } from '../log/logger.js';
import type { JobContext } from '../queue/types.js';
import type { ToolRunner } from '../sandbox/exec.js';
import type { Candidate } from './candidate.js';
import {
  builtinCatalog,
  type Catalog,
  checkBaseUrl,
  checkMirrorKeys,
  type MirrorOverrides,
} from './catalog.js';
import type { DownloadOptions } from './download.js';
import { downloadAndExtract } from './download-extract.js';
import { type ExtractedKernel, extractKernel } from './extract.js';
import type { ExtractCaps } from './extract-policy.js';
import { showUrl } from './http.js';
import type { IndexCache } from './index-cache.js';
import type { IndexFetchOptions } from './index-fetch.js';
import { progressReporter } from './progress.js';
import { resolveInOrder } from './resolve-in-order.js';
import type { RetryPolicy } from './retry.js';

export interface IngestJobData {
  release: string;
  /** Short (`4.19.91-23.4`) or full `uname -r`, or the package version. */
  version: string;
  arch: Arch;
  mirrors?: MirrorOverrides;
  /** Keep the package under `<hive>/<arch>/pack/<release>/` (default false: dropped once published). */
  keepPackage?: boolean;
  /** Rebuild even if the kernel is already in the hive. */
  force?: boolean;
  /** Also extract and index the module debug files (slow: one pahole run per module). */
  modules?: boolean;
  /** Releases tried after `release` when its mirrors lack the version (a shared `uname -r` suffix). */
  alsoTry?: string[];
}

export interface IngestTimings {
  resolveMs: number;
  downloadMs: number;
  extractMs: number;
  buildMs: number;
  /** Atomic publication and the registry's refresh. */
  publishMs: number;
  totalMs: number;
}

export interface IngestResult {
  kernel: KernelKey;
  published: boolean;
  package?: { fileName: string; bytes: number; sha256: string; kept: boolean };
  stats?: BuildStats;
  /** Download and decompression ran at the same time. */
  overlapped?: boolean;
  timings: IngestTimings;
}

export interface IngestDeps {
  hive: string;
  logger: Logger;
  /** The process's one runner (its sandbox policy from the configuration): every tool of the ingest runs under it. */
  runner: ToolRunner;
  catalog?: Catalog;
  /** The server's mirror overrides; a job's own mirrors win over them. */
  mirrors?: MirrorOverrides;
  download?: Omit<DownloadOptions, 'signal' | 'onProgress'>;
  fetch?: Partial<IndexFetchOptions>;
  retry?: Partial<RetryPolicy>;
  caps?: Partial<ExtractCaps>;
  /** The server's parsed mirror indexes, reused across ingests. */
  indexCache?: IndexCache;
  /** Where the build runs (the server: a builder process); default this process. */
  builder?: KernelBuilder;
  /** Called after a kernel is published (e.g. to refresh the registry). */
  onPublished?: (key: KernelKey) => Promise<void> | void;
  /** Told each package byte count received, as it arrives (a restarted download counts again). */
  onDownloaded?: (bytes: number) => void;
}

/** The job id for an ingest: one per (release, arch, version), so one kernel is never queued twice. */
export const ingestJobId = (d: Pick<IngestJobData, 'release' | 'arch' | 'version'>) =>
  `ingest-${d.arch}-${d.release}-${d.version}`;

/** Checks a job's data as it comes from a client: every field is hostile. */
export function checkIngestData(raw: IngestJobData): IngestJobData {
  const mirrors: MirrorOverrides = {};
  for (const [key, url] of Object.entries(raw.mirrors ?? {})) {
    if (!MIRROR_KEY_RE.test(key))
      throw new SurfhiveError('INVALID_FIELD', 'mirror keys must look like RELEASE or RELEASE.BASE');
    mirrors[key] = checkBaseUrl(String(url), key);
  }
  return {
    release: checkRelease(raw.release),
    version: checkVer(raw.version),
    arch: checkArch(raw.arch),
    mirrors,
    keepPackage: raw.keepPackage === true,
    force: raw.force === true,
    modules: raw.modules === true,
    alsoTry: (Array.isArray(raw.alsoTry) ? raw.alsoTry : []).slice(0, 8).map(checkRelease),
  };
}

/**
 * One ingest: resolve → download and extract at once → build → publish. Runs in the CLI
 * process as is, and inside a queue through `ingestProcessor`. Throws SurfhiveErrors.
 * All scratch files live in one staging directory of the hive, removed on every failure
 * (and by `recoverHive` after a kill -9), so a failed or killed ingest publishes nothing.
 */
export async function runIngest(deps: IngestDeps, job: JobContext<IngestJobData>): Promise<IngestResult> {
  const data = checkIngestData(job.data);
  // a mirror key no release has would be ignored silently, and the default mirror used
  checkMirrorKeys(data.mirrors ?? {}, deps.catalog ?? builtinCatalog(), 'mirrors');
  const { hive, logger } = deps;
  const started = Date.now();
  const report = progressReporter(job);
  const timings: IngestTimings = {
    resolveMs: 0,
    downloadMs: 0,
    extractMs: 0,
    buildMs: 0,
    publishMs: 0,
    totalMs: 0,
  };
  const onRetry = (err: Error, retry: number, delayMs: number) =>
    void report.log(`${err.message}; retry ${retry} in ${(delayMs / 1000).toFixed(1)} s`);
  const done = () => ({ ...timings, totalMs: Date.now() - started });

  await report.log(`resolving ${data.release} ${data.version} (${data.arch})`);
  report.phase('resolve');
  const cand = await resolveInOrder([data.release, ...(data.alsoTry ?? [])], {
    version: data.version,
    arch: data.arch,
    mirrors: { ...deps.mirrors, ...data.mirrors },
    catalog: deps.catalog,
    signal: job.signal,
    runner: deps.runner,
    fetch: deps.fetch,
    retry: { ...deps.retry, onRetry },
    indexCache: deps.indexCache,
  });
  timings.resolveMs = Date.now() - started;
  const key: KernelKey = { arch: cand.arch, release: cand.release, ver: cand.ver };
  await report.log(
    `${cand.ver}: ${cand.fileName}${cand.size ? ` (${mb(cand.size)})` : ''} from ${showUrl(cand.url)}`,
  );

  return withKernelLock(hive, key, 'ingested', async () => {
    if (!data.force && isPublished(hive, key, { modules: data.modules === true })) {
      await report.log(`${cand.ver} is already in the hive; nothing to do (--force rebuilds)`);
      report.phase('done', 100);
      return { kernel: key, published: false, timings: done() };
    }
    const staging = await makeStagingDir(hive, 'ingest');
    try {
      const packDir = artifactDir(hive, key.arch, 'pack', key.release);
      const caps = { ...deps.caps, includeModules: data.modules === true };
      const got = await obtain(cand, staging, packDir, caps, { ...deps, onRetry }, job, report);
      timings.downloadMs = got.downloadMs;
      timings.extractMs = got.extractMs;
      await report.log(
        `vmlinux extracted (${got.overlapped ? 'while downloading' : 'after the download'}); building`,
      );
      report.phase('build');
      const buildStart = Date.now();
      let kept = false;
      if (data.keepPackage && got.fresh) {
        await fs.mkdir(packDir, { recursive: true });
        await fs.rename(got.packagePath, path.join(packDir, cand.fileName));
        kept = true;
      }
      const builder = deps.builder ?? inProcessBuilder(logger, deps.runner);
      const built = await builder.build(
        {
          hive,
          key,
          input: got.kernel.vmlinuxPath,
          modulesDir: got.kernel.moduleDir,
          keepVmlinux: false,
          lockHeld: true,
          logBindings: logger.bindings(),
        },
        job.signal,
      );
      const builtAt = Date.now();
      report.phase('publish');
      await deps.onPublished?.(key);
      // publishing: the atomic rename in the builder, then the registry's refresh here
      const renameMs = built.publishMs ?? 0;
      timings.buildMs = builtAt - buildStart - renameMs;
      timings.publishMs = renameMs + (Date.now() - builtAt);
      await report.log(
        `${key.arch}/${key.release}/${key.ver} is in the hive` +
          (built.stats ? ` (${built.stats.structs} structs, ${built.stats.funcs} functions)` : ''),
      );
      report.phase('done', 100);
      return {
        kernel: key,
        published: built.published,
        package: { fileName: cand.fileName, bytes: got.bytes, sha256: got.sha256, kept: kept || !got.fresh },
        stats: built.stats,
        overlapped: got.overlapped,
        timings: done(),
      };
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  });
}

interface Obtained {
  kernel: ExtractedKernel;
  packagePath: string;
  /** Downloaded now (false: reused from pack/). */
  fresh: boolean;
  bytes: number;
  sha256: string;
  overlapped: boolean;
  downloadMs: number;
  extractMs: number;
}

/** The package from pack/ when a verified copy is there, else downloaded (and extracted meanwhile). */
async function obtain(
  cand: Candidate,
  staging: string,
  packDir: string,
  caps: Partial<ExtractCaps>,
  deps: IngestDeps & { onRetry: (err: Error, retry: number, delayMs: number) => void },
  job: JobContext<IngestJobData>,
  report: ReturnType<typeof progressReporter>,
): Promise<Obtained> {
  const kept = path.join(packDir, cand.fileName);
  if (await matchesCandidate(kept, cand)) {
    await report.log(`using the package kept in the hive`);
    report.phase('extract');
    const t = Date.now();
    const kernel = await extractKernel(kept, cand, staging, caps, {
      signal: job.signal,
      runner: deps.runner,
    });
    const ms = Date.now() - t;
    return {
      kernel,
      packagePath: kept,
      fresh: false,
      bytes: cand.size!,
      sha256: cand.sha256!,
      overlapped: false,
      downloadMs: 0,
      extractMs: ms,
    };
  }
  report.phase('download', 0);
  let counted = 0;
  const r = await downloadAndExtract(cand, staging, {
    download: {
      ...deps.download,
      onRetry: deps.onRetry,
      onProgress: (p) => {
        deps.onDownloaded?.(p.done >= counted ? p.done - counted : p.done);
        counted = p.done;
        report.download(p.done, p.total ?? cand.size);
      },
    },
    caps,
    signal: job.signal,
    runner: deps.runner,
    onExtractProgress: (bytes) => report.extracted(bytes),
    onDownloaded: () => report.downloaded(),
  });
  await report.log(`downloaded ${mb(r.pkg.bytes)} in ${(r.downloadMs / 1000).toFixed(1)} s, sha256 verified`);
  return {
    kernel: r.kernel,
    packagePath: r.pkg.path,
    fresh: true,
    bytes: r.pkg.bytes,
    sha256: r.pkg.sha256,
    overlapped: r.overlapped,
    downloadMs: r.downloadMs,
    extractMs: r.extractMs,
  };
}

async function matchesCandidate(file: string, cand: Candidate): Promise<boolean> {
  if (!cand.sha256 || cand.size === undefined) return false;
  const st = await fs.stat(file).catch(() => undefined);
  if (!st?.isFile() || st.size !== cand.size) return false;
  return (await sha256File(file)) === cand.sha256;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
