import { SurfhiveError } from '../errors/codes.js';
import type { HiveRegistry } from '../hive/registry.js';
import { type JobQueue, queueCall } from '../queue/types.js';
import { compileKey, kernelHeaderId, toolchainId } from './cache-key.js';
import { type CompileJobData, type CompileRequest, checkCompileRequest } from './request.js';
import type { CompileCache } from './result-cache.js';
import { lbcToolchain } from './toolchain.js';

export type CompileState = 'waiting' | 'active' | 'completed' | 'failed';

export interface CompileStatus {
  id: string;
  status: CompileState;
  cached: boolean;
  clog?: string;
  error?: string;
  output?: 'o' | 'so';
  artifact?: { size: number; sha256: string };
  /** Host path of the artifact; never sent to clients. */
  artifactPath?: string;
}

/** Failure reasons a compile processor wrote for clients start with this; anything else stays in the logs. */
export const SAFE_FAILURE_PREFIX = 'compile worker: ';

const compileQueue = <T>(fn: () => Promise<T>) =>
  queueCall(fn, 'the compile queue is unavailable; retry later');

export interface CompileServiceOptions {
  queue: JobQueue<CompileJobData, void>;
  cache: CompileCache;
  registry: HiveRegistry;
  /** Jobs waiting or running past which new compiles are refused (503). */
  maxBacklog: number;
  /** Called when the kernel is missing; may throw instead (KERNEL_PREPARING when provisioning). */
  onMissingKernel?: (arch: CompileRequest['arch'], ver: string) => Promise<void>;
  /** Told whether each submitted compile was answered from the result cache. */
  onCacheLookup?: (hit: boolean) => void;
}

/**
 * Compile requests in, outcomes out: answers from the content-addressed cache
 * when it can, and queues one job per distinct key otherwise (the key is the
 * job id, so concurrent identical requests compile once).
 */
export class CompileService {
  constructor(private readonly opts: CompileServiceOptions) {}

  async submit(raw: CompileRequest): Promise<CompileStatus> {
    const req = checkCompileRequest(raw);
    const res = await this.opts.registry.resolve(req.arch, req.ver);
    if (res.status === 'conflict')
      throw new SurfhiveError('KERNEL_CONFLICT', `kernel ${req.ver} is ambiguous in the hive`);
    const head = res.status === 'ok' ? res.kernel.artifacts.head?.path : undefined;
    if (!head) {
      if (res.status === 'missing') await this.opts.onMissingKernel?.(req.arch, req.ver);
      throw new SurfhiveError('KERNEL_NOT_FOUND', 'version not support.');
    }
    const key = compileKey(req, await kernelHeaderId(head), await toolchainId(lbcToolchain(req.arch)));
    const cached = await this.fromCache(key, true);
    this.opts.onCacheLookup?.(cached !== undefined);
    if (cached) return cached;
    const { queue } = this.opts;
    const existing = await compileQueue(() => queue.get(key));
    if (existing && existing.status !== 'failed' && existing.status !== 'completed') {
      return { id: key, status: existing.status === 'active' ? 'active' : 'waiting', cached: false };
    }
    if (existing) await compileQueue(() => queue.remove(key));
    if ((await compileQueue(() => queue.backlog())) >= this.opts.maxBacklog) {
      throw new SurfhiveError('QUEUE_FULL', 'too many compiles are waiting; retry later');
    }
    await compileQueue(() => queue.submit('compile', { ...req, key }, { jobId: key }));
    return { id: key, status: 'waiting', cached: false };
  }

  async status(id: string): Promise<CompileStatus> {
    const done = await this.fromCache(id, false);
    if (done) return done;
    const job = await compileQueue(() => this.opts.queue.get(id));
    if (!job) throw new SurfhiveError('JOB_NOT_FOUND', 'no such compile job');
    switch (job.status) {
      case 'active':
        return { id, status: 'active', cached: false };
      case 'completed':
      case 'failed':
        // Finished, but no outcome was stored: an infrastructure fault that outlived its retries.
        return {
          id,
          status: 'failed',
          cached: false,
          error: job.error?.startsWith(SAFE_FAILURE_PREFIX)
            ? `${job.error.slice(SAFE_FAILURE_PREFIX.length)}; retry later`
            : 'the compile could not be completed; retry later',
        };
      default:
        return { id, status: 'waiting', cached: false };
    }
  }

  /** Waits up to `ms` for the job to finish, then answers its status. */
  async wait(id: string, ms: number): Promise<CompileStatus> {
    const now = await this.status(id);
    if (now.status === 'completed' || now.status === 'failed' || ms <= 0) return now;
    // A failed job or a timeout both end the wait; the stored outcome (if any) tells the rest.
    await this.opts.queue.wait(id, ms).catch(() => undefined);
    return this.status(id);
  }

  private async fromCache(key: string, cached: boolean): Promise<CompileStatus | undefined> {
    const hit = await this.opts.cache.get(key);
    if (!hit) return undefined;
    const { outcome } = hit;
    return {
      id: key,
      status: outcome.status,
      cached,
      clog: outcome.clog,
      error: outcome.error,
      output: outcome.output,
      artifact: outcome.artifact,
      artifactPath: hit.artifactPath,
    };
  }
}
