import { type ConnectionOptions, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { CLOSE_GRACE_MS, closeWithin } from './bullmq-queue.js';
import type { Processor } from './types.js';

/**
 * A BullMQ worker that runs `processor` for jobs of one queue, and whose close ends in bounded
 * time. BullMQ's own graceful close waits for its blocking fetch to return; after a Redis restart
 * that wait can last forever, and with it the lock-renewal timer that keeps the process alive.
 */
export class BullWorker<D, R> {
  readonly worker: Worker;
  private readonly running = new Set<Promise<R>>();

  constructor(
    queueName: string,
    processor: Processor<D, R>,
    opts: { connection: Redis; concurrency: number; prefix?: string; lockMs?: number },
  ) {
    this.worker = new Worker(
      queueName,
      (job, _token, signal) =>
        this.track(
          processor({
            id: job.id!,
            data: job.data as D,
            attempt: job.attemptsMade + 1,
            maxAttempts: job.opts.attempts ?? 1,
            signal: signal ?? new AbortController().signal,
            log: async (line) => {
              await job.log(line);
            },
            progress: async (value) => {
              await job.updateProgress(value);
            },
          }),
        ),
      {
        connection: opts.connection as unknown as ConnectionOptions,
        concurrency: opts.concurrency,
        prefix: opts.prefix,
        // A worker killed mid-job loses its lock; the job is then retried by another worker.
        lockDuration: opts.lockMs ?? 30_000,
        stalledInterval: Math.max(500, Math.floor((opts.lockMs ?? 30_000) / 2)),
        maxStalledCount: 2,
      },
    );
  }

  private track(run: Promise<R>): Promise<R> {
    this.running.add(run);
    const forget = () => this.running.delete(run);
    run.then(forget, forget);
    return run;
  }

  /**
   * Takes no more jobs, lets the running ones finish for at most `graceMs`, then closes by force:
   * jobs still running are told to stop (their signal aborts) and are retried by a worker once
   * their lock expires. True when every running job finished in time.
   */
  async close(graceMs = CLOSE_GRACE_MS): Promise<boolean> {
    await closeWithin(this.worker.pause(true), CLOSE_GRACE_MS);
    const inTime = await closeWithin(Promise.allSettled([...this.running]), graceMs);
    if (!inTime) this.worker.cancelAllJobs('the worker is closing');
    await closeWithin(this.worker.close(true), CLOSE_GRACE_MS);
    return inTime;
  }
}
