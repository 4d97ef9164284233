import type { Config } from '../config/config.js';
import { isSurfhiveError } from '../errors/codes.js';
import type { KernelKey } from '../hive/layout.js';
import { TransientError } from '../ingest/http.js';
import { type IngestDeps, type IngestJobData, type IngestResult, runIngest } from '../ingest/run.js';
import type { Logger } from '../log/logger.js';
import { BullQueue, redisConnection } from '../queue/bullmq-queue.js';
import { BullWorker } from '../queue/bullmq-worker.js';
import { InlineQueue } from '../queue/inline-queue.js';
import type { JobQueue, Processor } from '../queue/types.js';
import { type JobObserver, observeJobs, unrecoverable } from './observe.js';

export const INGEST_QUEUE = 'ingest';

/**
 * The queue's processor: user errors fail the job at once, network faults are retried. Each
 * job logs on its own child logger (start, retries, failure with its cause, finish).
 */
export function ingestProcessor(
  deps: IngestDeps,
  observer?: JobObserver<IngestResult>,
): Processor<IngestJobData, IngestResult> {
  return observeJobs<IngestJobData, IngestResult>({
    kind: 'ingest',
    logger: deps.logger,
    kernel: (d) => `${d.arch}/${d.release}/${d.version}`,
    run: (job, log) => runIngest({ ...deps, logger: log }, job),
    queueError: (err) => {
      // network faults, and a build stopped by a shutdown, are tried again
      if (err instanceof TransientError || (isSurfhiveError(err) && err.kind === 'UNAVAILABLE')) return err;
      if (isSurfhiveError(err)) return unrecoverable(err);
      return new Error('ingest failed: internal error', { cause: err });
    },
    summary: (r) => ({
      published: r.published,
      ...(r.package ? { bytes: r.package.bytes } : {}),
      timings: r.timings,
    }),
    observer,
  });
}

export interface IngestWiring {
  queue: JobQueue<IngestJobData, IngestResult>;
  close(): Promise<void>;
}

export interface IngestQueueOptions
  extends Partial<Omit<IngestDeps, 'hive' | 'logger' | 'runner'>>,
    Pick<IngestDeps, 'runner'> {
  /** Queue name (tests use a random one). */
  name?: string;
  /** Ingests run at once (each is download + xz + pahole on a large vmlinux). Default 1. */
  concurrency?: number;
  onPublished?: (key: KernelKey) => Promise<void> | void;
  /** Where each job's numbers go: this process's metrics. */
  observer?: JobObserver<IngestResult>;
}

/**
 * The ingest queue of one API process. With REDIS_URL: a BullMQ queue AND its worker in this
 * same process, because an ingest must run where the hive is; otherwise an in-process pool.
 */
export async function ingestQueue(
  config: Config,
  hive: string,
  logger: Logger,
  opts: IngestQueueOptions,
): Promise<IngestWiring> {
  const { name = INGEST_QUEUE, concurrency = 1, observer, ...deps } = opts;
  const processor = ingestProcessor({ ...deps, hive, logger }, observer);
  if (!config.redisUrl) {
    const queue = new InlineQueue<IngestJobData, IngestResult>(name, processor, { concurrency });
    return { queue, close: () => queue.close() };
  }
  const producer = redisConnection(config.redisUrl, 'producer');
  const workerConnection = redisConnection(config.redisUrl, 'worker');
  const queue = new BullQueue<IngestJobData, IngestResult>(name, producer, { prefix: config.queuePrefix });
  let worker: BullWorker<IngestJobData, IngestResult> | undefined;
  try {
    await queue.ready();
    worker = new BullWorker(name, processor, {
      connection: workerConnection,
      concurrency,
      prefix: config.queuePrefix,
    });
    worker.worker.on('error', (err) => logger.warn({ err }, 'ingest worker: redis error'));
  } catch (err) {
    await queue.close().catch(() => {});
    producer.disconnect();
    workerConnection.disconnect();
    throw err;
  }
  return {
    queue,
    close: async () => {
      await worker?.close();
      await queue.close();
      producer.disconnect();
      workerConnection.disconnect();
    },
  };
}
