import type { Config } from '../config/config.js';
import type { SurfhiveError } from '../errors/codes.js';
import type { Arch } from '../hive/names.js';
import type { Catalog } from '../ingest/catalog.js';
import { type IngestJobData, type IngestResult, ingestJobId } from '../ingest/run.js';
import { resolveUname } from '../ingest/uname.js';
import type { Logger } from '../log/logger.js';
import type { JobQueue } from '../queue/types.js';
import { kernelPreparing } from './preparing.js';

/** Called where a request misses a kernel: throws KERNEL_PREPARING when an ingest is on its way, else returns. */
export type MissingKernelHook = (arch: Arch, ver: string) => Promise<void>;

/**
 * What became of one miss: `queued` an ingest, joined one already on its way (`deduplicated`),
 * answered from the not-found memory (`remembered`), found in no release (`not_found`) or its
 * ingest failed lately (`failed_recently`), both then remembered; or no ingest could be queued.
 */
export type ProvisionOutcome =
  | 'queued'
  | 'deduplicated'
  | 'remembered'
  | 'not_found'
  | 'failed_recently'
  | 'backlog_full'
  | 'queue_unavailable';

export interface ProvisionerOptions {
  queue: JobQueue<IngestJobData, IngestResult>;
  catalog: Catalog;
  releaseOrder: readonly string[];
  /** A kernel found nowhere is not looked for again for this long. */
  negativeMs: number;
  logger: Logger;
  /** Told to clients waiting for a kernel (default 30 s). */
  retryAfterSec?: number;
  /** Told the outcome of every miss (metrics). */
  onOutcome?: (outcome: ProvisionOutcome) => void;
  /** Ingests waiting or running past which a miss stays a plain miss (default 8). */
  maxBacklog?: number;
  now?: () => number;
}

/** Entries kept in the negative cache at most (a client sending many bogus versions cannot grow it). */
const MAX_REMEMBERED = 10_000;

/**
 * On-demand kernels: a miss resolves the `uname -r` by the catalog's naming patterns (no
 * mirror is read here, and only catalog URLs ever are) and queues one ingest per kernel;
 * the job id deduplicates concurrent misses. A kernel no release names, or whose ingest
 * failed, is remembered for `negativeMs` so repeated misses cost a map lookup.
 */
export class Provisioner {
  private readonly nowhere = new Map<string, number>();

  constructor(private readonly opts: ProvisionerOptions) {}

  readonly onMissingKernel: MissingKernelHook = async (arch, ver) => {
    const { outcome, preparing } = await this.provision(arch, ver);
    this.opts.onOutcome?.(outcome);
    if (preparing) throw preparing;
  };

  /** What became of a miss, with the KERNEL_PREPARING error to answer when an ingest is on its way. */
  private async provision(
    arch: Arch,
    ver: string,
  ): Promise<{ outcome: ProvisionOutcome; preparing?: SurfhiveError }> {
    const key = `${arch}/${ver}`;
    const now = this.now();
    const until = this.nowhere.get(key);
    if (until !== undefined) {
      if (until > now) return { outcome: 'remembered' };
      this.nowhere.delete(key);
    }
    let data: IngestJobData;
    try {
      const r = resolveUname(ver, { catalog: this.opts.catalog, arch, order: this.opts.releaseOrder });
      data = {
        release: r.release,
        version: r.version,
        arch: r.arch,
        alsoTry: r.candidates.slice(1),
        keepPackage: false,
        modules: false,
      };
    } catch {
      this.remember(key);
      return { outcome: 'not_found' };
    }
    const id = ingestJobId(data);
    const preparing = (outcome: 'queued' | 'deduplicated') => ({
      outcome,
      preparing: kernelPreparing(arch, ver, data.release, id, this.opts.retryAfterSec ?? 30),
    });
    try {
      const state = await this.opts.queue.get(id);
      if (state?.status === 'waiting' || state?.status === 'active') return preparing('deduplicated');
      if (state?.status === 'failed' || state?.status === 'completed') {
        // failed: found nowhere (or kept failing); completed yet missing: published under another name
        const finished = state.finishedAt ?? now;
        if (now - finished < this.opts.negativeMs) {
          this.remember(key, finished);
          return { outcome: 'failed_recently' };
        }
        await this.opts.queue.remove(id);
      }
      if ((await this.opts.queue.backlog()) >= (this.opts.maxBacklog ?? 8)) {
        this.opts.logger.warn({ kernel: key }, 'provisioning: too many ingests queued; not queuing another');
        return { outcome: 'backlog_full' };
      }
      await this.opts.queue.submit('ingest', data, { jobId: id, attempts: 3 });
      this.opts.logger.info({ kernel: key, release: data.release, job: id }, 'provisioning a missing kernel');
      return preparing('queued');
    } catch (err) {
      // a queue that does not answer leaves the request a plain miss
      this.opts.logger.warn({ err, kernel: key }, 'provisioning: the ingest queue did not answer');
      return { outcome: 'queue_unavailable' };
    }
  }

  private remember(key: string, from = this.now()): void {
    if (this.nowhere.size >= MAX_REMEMBERED) {
      const oldest = this.nowhere.keys().next().value;
      if (oldest !== undefined) this.nowhere.delete(oldest);
    }
    this.nowhere.set(key, from + this.opts.negativeMs);
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }
}

/** The miss hook of a server with SURFHIVE_AUTO_INGEST on. */
export function provisionMissingKernels(
  config: Config,
  queue: JobQueue<IngestJobData, IngestResult>,
  catalog: Catalog,
  logger: Logger,
  onOutcome?: ProvisionerOptions['onOutcome'],
): MissingKernelHook {
  return new Provisioner({
    queue,
    catalog,
    releaseOrder: config.releaseOrder,
    negativeMs: config.autoIngestNegativeMs,
    logger,
    onOutcome,
  }).onMissingKernel;
}
