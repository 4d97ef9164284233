import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CompileOutcome } from '../compile/outcome.js';
import type { CompileCache } from '../compile/result-cache.js';
import type { HiveRegistry } from '../hive/registry.js';
import type { IngestResult } from '../ingest/run.js';
import type { JobEnd, JobObserver } from '../jobs/observe.js';
import type { ProvisionOutcome } from '../provision/provisioner.js';
import type { JobQueue } from '../queue/types.js';

const JOB_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const STEP_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60];
const PHASE_BUCKETS = [0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const SIZE_BUCKETS = [1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216];
/** A scrape never waits longer than this for a queue's counts (Redis down or slow). */
const COUNTS_TIMEOUT_MS = 2_000;

/** Steps of a compile job, as CompileOutcome.timings names them (`<step>Ms`). */
const COMPILE_STEPS = ['headers', 'compile', 'probes', 'link'] as const;
/** Phases of an ingest, as IngestTimings names them (`<phase>Ms`). */
const INGEST_PHASES = ['resolve', 'download', 'extract', 'build', 'publish'] as const;

export interface JobMetricsOptions {
  /**
   * The queues live in Redis, so every API process of a cluster reports the same counts:
   * their aggregation takes the largest instead of the sum.
   */
  sharedQueues?: boolean;
}

type Countable = Pick<JobQueue<unknown, unknown>, 'name' | 'counts'>;

/**
 * Compile, ingest, `ko` and provisioning metrics in the app's registry, and the gauges read
 * at scrape time (queue counts, kernels in the hive, compile cache size) from the sources
 * handed to `watch*`. Whatever runs the jobs records them: the API process for its in-process
 * queues and BullMQ ingest, each `surfhive worker` on its own /metrics for compiles.
 */
export function createJobMetrics(registry: Registry, opts: JobMetricsOptions = {}) {
  const registers = [registry];
  const queues: Countable[] = [];
  const hives: Pick<HiveRegistry, 'list' | 'ready'>[] = [];
  const caches: Pick<CompileCache, 'size'>[] = [];

  const compileJobs = new Counter({
    name: 'surfhive_compile_jobs_total',
    help: 'Compile jobs ended: completed, failed (the program or its flags; not retried), error (the worker failed; retries ran out)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const compileRetries = new Counter({
    name: 'surfhive_compile_job_retries_total',
    help: 'Compile job attempts that failed and were retried',
    registers,
  });
  const compileDuration = new Histogram({
    name: 'surfhive_compile_job_duration_seconds',
    help: 'Time a compile job ran (its last attempt), by outcome',
    labelNames: ['outcome'] as const,
    buckets: JOB_BUCKETS,
    registers,
  });
  const compileSteps = new Histogram({
    name: 'surfhive_compile_step_duration_seconds',
    help: 'Time of each step of a completed compile job: headers (vmlinux.h), compile (clang to bpf.o), probes (ffi types, beside compile), link (lbc.so)',
    labelNames: ['step'] as const,
    buckets: STEP_BUCKETS,
    registers,
  });
  const artifactBytes = new Histogram({
    name: 'surfhive_compile_artifact_bytes',
    help: 'Size of each artifact a compile job built, by output (o: bpf.o, so: lbc.so)',
    labelNames: ['output'] as const,
    buckets: SIZE_BUCKETS,
    registers,
  });
  const compileCache = new Counter({
    name: 'surfhive_compile_cache_total',
    help: 'Compile submissions answered from the result cache (hit) or queued (miss)',
    labelNames: ['result'] as const,
    registers,
  });
  const aggregator = opts.sharedQueues ? 'max' : 'sum';
  new Gauge({
    name: 'surfhive_queue_jobs',
    help: 'Jobs in a queue at scrape time, by queue and state (waiting: queued or delayed before a retry; active: running)',
    labelNames: ['queue', 'state'] as const,
    aggregator,
    registers,
    async collect() {
      this.reset();
      await Promise.all(
        queues.map(async (q) => {
          const c = await withTimeout(q.counts(), COUNTS_TIMEOUT_MS).catch(() => undefined);
          // A queue that does not answer shows no numbers rather than stale ones.
          if (!c) return;
          this.labels(q.name, 'waiting').set(c.waiting);
          this.labels(q.name, 'active').set(c.active);
        }),
      );
    },
  });
  new Gauge({
    name: 'surfhive_compile_cache_bytes',
    help: 'Bytes of compile results and artifacts kept in the result cache',
    // every process of a cluster shares the cache directory
    aggregator: 'max',
    registers,
    async collect() {
      if (caches.length === 0) return;
      const sizes = await Promise.all(caches.map((c) => c.size().catch(() => ({ bytes: 0 }))));
      this.set(sizes.reduce((a, s) => a + s.bytes, 0));
    },
  });
  new Gauge({
    name: 'surfhive_kernels',
    help: 'Kernels the hive answers for, by arch and the release whose files are served',
    labelNames: ['arch', 'release'] as const,
    // every process of a cluster reads the same hive
    aggregator: 'max',
    registers,
    collect() {
      this.reset();
      for (const hive of hives) {
        if (!hive.ready) continue;
        const counts = new Map<string, { arch: string; release: string; n: number }>();
        for (const k of hive.list()) {
          const key = `${k.arch}/${k.release}`;
          const c = counts.get(key) ?? { arch: k.arch, release: k.release, n: 0 };
          c.n++;
          counts.set(key, c);
        }
        for (const c of counts.values()) this.labels(c.arch, c.release).inc(c.n);
      }
    },
  });

  const ingestJobs = new Counter({
    name: 'surfhive_ingest_jobs_total',
    help: 'Ingest jobs ended: completed (published), unchanged (already in the hive), failed (not retried), error (retries ran out)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const ingestRetries = new Counter({
    name: 'surfhive_ingest_job_retries_total',
    help: 'Ingest job attempts that failed and were retried',
    registers,
  });
  const ingestDuration = new Histogram({
    name: 'surfhive_ingest_job_duration_seconds',
    help: 'Time an ingest job ran (its last attempt), by outcome',
    labelNames: ['outcome'] as const,
    buckets: JOB_BUCKETS,
    registers,
  });
  const ingestPhases = new Histogram({
    name: 'surfhive_ingest_phase_duration_seconds',
    help: 'Time of each phase of a published ingest: resolve, download, extract (overlaps the download), build, publish',
    labelNames: ['phase'] as const,
    buckets: PHASE_BUCKETS,
    registers,
  });
  const downloaded = new Counter({
    name: 'surfhive_ingest_downloaded_bytes_total',
    help: 'Package bytes received by ingests, counted as they arrive',
    registers,
  });
  const ko = new Counter({
    name: 'surfhive_ko_requests_total',
    help: 'ko (module database) requests, by outcome: ok, no_token, bad_request, too_large, or the error code',
    labelNames: ['outcome'] as const,
    registers,
  });
  const provision = new Counter({
    name: 'surfhive_provision_total',
    help: 'Requests that missed a kernel with on-demand provisioning on, by what became of them',
    labelNames: ['outcome'] as const,
    registers,
  });

  // Series that exist from the start: rate() and dashboards see 0, not "no data".
  for (const o of ['completed', 'failed', 'error']) compileJobs.labels(o).inc(0);
  for (const o of ['completed', 'unchanged', 'failed', 'error']) ingestJobs.labels(o).inc(0);
  for (const r of ['hit', 'miss']) compileCache.labels(r).inc(0);

  const compile: JobObserver<CompileOutcome> = {
    completed(outcome, seconds) {
      compileJobs.labels('completed').inc();
      compileDuration.labels('completed').observe(seconds);
      for (const step of COMPILE_STEPS) {
        const ms = outcome.timings?.[`${step}Ms`];
        if (ms !== undefined) compileSteps.labels(step).observe(ms / 1000);
      }
      if (outcome.artifact && outcome.output)
        artifactBytes.labels(outcome.output).observe(outcome.artifact.size);
    },
    ended(end: JobEnd, seconds) {
      compileJobs.labels(end).inc();
      compileDuration.labels(end).observe(seconds);
    },
    retrying: () => compileRetries.inc(),
  };
  const ingest: JobObserver<IngestResult> = {
    completed(result, seconds) {
      const outcome = result.published ? 'completed' : 'unchanged';
      ingestJobs.labels(outcome).inc();
      ingestDuration.labels(outcome).observe(seconds);
      if (!result.published) return;
      const t = result.timings;
      const ran = { resolve: true, download: t.downloadMs > 0, extract: true, build: true, publish: true };
      for (const phase of INGEST_PHASES)
        if (ran[phase]) ingestPhases.labels(phase).observe((t[`${phase}Ms`] ?? 0) / 1000);
    },
    ended(end: JobEnd, seconds) {
      ingestJobs.labels(end).inc();
      ingestDuration.labels(end).observe(seconds);
    },
    retrying: () => ingestRetries.inc(),
  };

  return {
    compile,
    ingest,
    compileCacheLookup: (hit: boolean) => compileCache.labels(hit ? 'hit' : 'miss').inc(),
    ingestDownloaded: (bytes: number) => downloaded.inc(bytes),
    ko: (outcome: string) => ko.labels(outcome).inc(),
    provision: (outcome: ProvisionOutcome) => provision.labels(outcome).inc(),
    /** Counts of this queue are read at each scrape. */
    watchQueue: (queue: Countable) => void queues.push(queue),
    /** Kernels of this hive are counted at each scrape. */
    watchKernels: (hive: Pick<HiveRegistry, 'list' | 'ready'>) => void hives.push(hive),
    watchCompileCache: (cache: Pick<CompileCache, 'size'>) => void caches.push(cache),
  };
}

export type JobMetrics = ReturnType<typeof createJobMetrics>;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
