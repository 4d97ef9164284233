import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import {
  CompileBudget,
  type CompileLimits,
  compileLimits,
  DEFAULT_COMPILE_LIMITS,
} from '../compile/compile-budget.js';
import { compileObject } from '../compile/compile-object.js';
import { compileSharedObject } from '../compile/compile-shared-object.js';
import { parseCompileFlags } from '../compile/flags.js';
import { HiveHeaders, type KernelHeaders } from '../compile/kernel-headers.js';
import type { CompileOutcome } from '../compile/outcome.js';
import { PchCache } from '../compile/pch-cache.js';
import type { CompileJobData } from '../compile/request.js';
import { CompileCache } from '../compile/result-cache.js';
import { CacheStore, type ResultStore } from '../compile/result-store.js';
import { CompileService, type CompileServiceOptions, SAFE_FAILURE_PREFIX } from '../compile/service.js';
import type { Config } from '../config/config.js';
import { isSurfhiveError, SurfhiveError } from '../errors/codes.js';
import type { HiveRegistry } from '../hive/registry.js';
import type { Logger } from '../log/logger.js';
import { BullQueue, redisConnection } from '../queue/bullmq-queue.js';
import { BullWorker } from '../queue/bullmq-worker.js';
import { InlineQueue } from '../queue/inline-queue.js';
import type { JobContext, JobQueue, Processor } from '../queue/types.js';
import type { ToolRunner } from '../sandbox/exec.js';
import { type JobObserver, observeJobs, unrecoverable } from './observe.js';

export const COMPILE_QUEUE = 'compile';

/**
 * A compile job's one result channel is its ResultStore: the artifact cannot travel
 * through Redis, and the store is content-addressed, so later identical requests hit
 * it. The job itself resolves to nothing.
 */
export type CompileQueue = JobQueue<CompileJobData, void>;

export interface CompileProcessorDeps {
  headers: KernelHeaders;
  results: ResultStore;
  /** Scratch space; each job gets its own directory, removed afterwards. */
  workRoot: string;
  /** Precompiled lbc.h headers per kernel; none: every compile parses vmlinux.h. */
  pch?: PchCache;
  /** The process's tool runner: every step runs under its sandbox policy. */
  runner: ToolRunner;
  /** One deadline, memory budget and artifact cap per job. */
  limits?: CompileLimits;
}

/** Errors that are the user's (their program, their flags, their kernel choice): never retried. */
const USER_ERRORS = new Set([
  'COMPILE_FAILED',
  'BAD_FLAGS',
  'INVALID_FIELD',
  'KERNEL_NOT_FOUND',
  'BODY_TOO_LARGE',
]);

const outOfSpace = (err: unknown): boolean => {
  const e = err as NodeJS.ErrnoException & { stderr?: string; clog?: string };
  if (e?.code === 'ENOSPC' || e?.code === 'EDQUOT') return true;
  const text = `${e?.message ?? ''}\n${e?.stderr ?? ''}\n${e?.clog ?? ''}`;
  return /No space left on device|Disk quota exceeded/i.test(text);
};

/** A worker-side fault, with a message safe for clients (no host path) marked as such; the original is its cause. */
function infrastructureFailure(err: unknown): Error {
  const msg = outOfSpace(err)
    ? 'the compile worker has no space left for the job'
    : isSurfhiveError(err)
      ? err.message
      : 'the compile worker failed';
  return new SurfhiveError('UNAVAILABLE', `${SAFE_FAILURE_PREFIX}${msg}`, { cause: err });
}

/**
 * One compile job: vmlinux.h of the kernel, then bpf.o (and lbc.so), into the
 * result store. A user's error is stored as a failed outcome and fails the job
 * at once; anything else is thrown as is, so the queue retries it.
 */
export const compileProcessor =
  (deps: CompileProcessorDeps) =>
  async (job: JobContext<CompileJobData>): Promise<CompileOutcome> => {
    const { data } = job;
    await mkdir(deps.workRoot, { recursive: true });
    const jobDir = await mkdtemp(path.join(deps.workRoot, 'job-'));
    try {
      const fetchStart = performance.now();
      const vmlinuxH = await deps.headers.vmlinuxH(data.arch, data.ver);
      const started = performance.now();
      // The deadline starts once the kernel's headers are here: fetching them is not the user's time.
      const budget = new CompileBudget(deps.limits ?? DEFAULT_COMPILE_LIMITS, job.signal);
      const steps = { runner: deps.runner, budget, pch: deps.pch };
      const built =
        data.output === 'o'
          ? await compileObject({
              source: data.source,
              flags: parseCompileFlags(data.env),
              vmlinuxH,
              arch: data.arch,
              jobDir,
              ...steps,
            }).then((r) => ({ file: r.object, clog: r.clog, stepsMs: { compileMs: r.durationMs } }))
          : await compileSharedObject({
              source: data.source,
              env: data.env,
              kernVersion: data.ver,
              arch: data.arch,
              vmlinuxH,
              jobDir,
              ...steps,
            }).then((r) => ({
              file: r.sharedObject,
              clog: r.clog,
              stepsMs: { compileMs: r.timings.objectMs, probesMs: r.timings.ffiMs, linkMs: r.timings.linkMs },
            }));
      // The steps wrote under a file-size limit; checked again before anything is stored.
      if ((await stat(built.file)).size > budget.limits.artifactBytes)
        throw budget.tooLarge(data.output === 'o' ? 'object' : 'shared object');
      const bytes = await readFile(built.file);
      const outcome: CompileOutcome = {
        status: 'completed',
        output: data.output,
        clog: built.clog,
        artifact: { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
        timings: {
          totalMs: Math.round(performance.now() - started),
          headersMs: Math.round(started - fetchStart),
          ...roundedMs(built.stepsMs),
        },
      };
      await deps.results.put(data.key, outcome, built.file);
      await job.log(`compiled ${data.output} in ${outcome.timings?.totalMs} ms`);
      return outcome;
    } catch (err) {
      if (isSurfhiveError(err) && USER_ERRORS.has(err.kind) && !outOfSpace(err)) {
        const clog = (err as SurfhiveError & { clog?: string }).clog ?? '';
        await deps.results.put(data.key, { status: 'failed', output: data.output, clog, error: err.message });
        throw unrecoverable(err);
      }
      // Retried by the queue; the message is what a client polling the job sees once retries run out.
      throw infrastructureFailure(err);
    } finally {
      await rm(jobDir, { recursive: true, force: true });
    }
  };

export interface CompileRunnerDeps {
  headers: KernelHeaders;
  results: ResultStore;
  logger: Logger;
  runner: ToolRunner;
  /** Where the job's numbers go: this process's metrics. */
  observer?: JobObserver<CompileOutcome>;
}

/**
 * The processor every compile runner uses (the API's in-process pool and `surfhive worker`),
 * configured from `config`, each job logged on its own child logger and counted in
 * `observer`. Resolves to nothing: the outcome is in `results`.
 */
export function compileJobs(config: Config, deps: CompileRunnerDeps): Processor<CompileJobData, void> {
  const { runner, logger } = deps;
  const processor = compileProcessor({
    headers: deps.headers,
    results: deps.results,
    workRoot: path.join(config.workDir, 'compile'),
    pch: config.pchCacheDir ? new PchCache({ dir: config.pchCacheDir, logger, runner }) : undefined,
    runner,
    limits: compileLimits(config),
  });
  const observed = observeJobs<CompileJobData, CompileOutcome>({
    kind: 'compile',
    logger,
    kernel: (d) => `${d.arch}/${d.ver}`,
    run: (job) => processor(job),
    // compileProcessor already tells the user's errors (unrecoverable) from the worker's faults
    queueError: (err) => (err instanceof Error ? err : new Error(String(err))),
    summary: (o) => ({ output: o.output, bytes: o.artifact?.size, timings: o.timings }),
    userErrorLevel: 'info',
    observer: deps.observer,
  });
  return async (job) => {
    await observed(job);
  };
}

/** A `surfhive worker` process's side of the compile queue. */
export function startCompileWorker(
  config: Config & { redisUrl: string },
  connection: Redis,
  deps: CompileRunnerDeps,
): BullWorker<CompileJobData, void> {
  return new BullWorker(COMPILE_QUEUE, compileJobs(config, deps), {
    connection,
    concurrency: config.compileConcurrency,
    prefix: config.queuePrefix,
    lockMs: config.workerLockMs,
  });
}

export interface CompileWiring {
  service: CompileService;
  queue: CompileQueue;
  /** The content-addressed store the service answers from (remote workers return results into it). */
  cache: CompileCache;
  close(): Promise<void>;
}

/**
 * The compile path for one API process: BullMQ on Redis when configured (the
 * `surfhive worker` processes run the jobs), otherwise an in-process pool
 * running the same processor.
 */
export async function wireCompile(
  config: Config,
  registry: HiveRegistry,
  runner: ToolRunner,
  logger: Logger,
  onMissingKernel?: CompileServiceOptions['onMissingKernel'],
  observe: Pick<CompileRunnerDeps, 'observer'> & Pick<CompileServiceOptions, 'onCacheLookup'> = {},
): Promise<CompileWiring> {
  const cache = CompileCache.fromConfig(config);
  let queue: CompileQueue;
  let close: () => Promise<void>;
  if (config.redisUrl) {
    const connection = redisConnection(config.redisUrl, 'producer');
    const bull = new BullQueue<CompileJobData, void>(COMPILE_QUEUE, connection, {
      prefix: config.queuePrefix,
      onError: throttled((err) => logger.warn({ err: err.message }, 'compile queue: redis unavailable')),
    });
    queue = bull;
    close = async () => {
      await bull.close();
      connection.disconnect();
    };
  } else {
    const processor = compileJobs(config, {
      headers: new HiveHeaders(registry),
      results: new CacheStore(cache),
      logger,
      runner,
      observer: observe.observer,
    });
    queue = new InlineQueue(COMPILE_QUEUE, processor, { concurrency: config.compileConcurrency });
    close = () => queue.close();
  }
  const service = new CompileService({
    queue,
    cache,
    registry,
    maxBacklog: config.maxCompileBacklog,
    onMissingKernel,
    onCacheLookup: observe.onCacheLookup,
  });
  return { service, queue, cache, close };
}

const roundedMs = (ms: Record<string, number>) =>
  Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.round(v)]));

/** At most one call per interval: a Redis outage reports every reconnect attempt. */
function throttled(fn: (err: Error) => void, ms = 5_000): (err: Error) => void {
  let last = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < ms) return;
    last = now;
    fn(err);
  };
}
