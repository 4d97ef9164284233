import { UnrecoverableError } from 'bullmq';
import type { Logger } from '../log/logger.js';
import type { JobContext, Processor } from '../queue/types.js';

/** How a job ended for good: done, refused for its own data (never retried), or given up after retries. */
export type JobEnd = 'failed' | 'error';

/** What a job's numbers are recorded into (the process's metrics); every call is cheap and never throws. */
export interface JobObserver<R> {
  completed(result: R, seconds: number): void;
  ended(end: JobEnd, seconds: number): void;
  /** An attempt failed and the queue will run the job again. */
  retrying(): void;
}

export interface ObservedJobOptions<D, R> {
  kind: 'compile' | 'ingest';
  logger: Logger;
  /** The kernel the job is for, bound to each of its lines. */
  kernel: (data: D) => string;
  /** The job's work, given the job's own child logger. */
  run: (job: JobContext<D>, log: Logger) => Promise<R>;
  /** What the queue gets for an error: an UnrecoverableError for the user's own error, never retried. */
  queueError: (err: unknown) => Error;
  /** Fields of the finish line taken from the result. */
  summary?: (result: R) => Record<string, unknown>;
  /** Level of the line for a user's error (a program that does not compile is routine). */
  userErrorLevel?: 'info' | 'warn';
  observer?: JobObserver<R>;
}

/**
 * The one place a job's life is logged and counted, for both queue kinds: a child logger
 * bound to the job's id, kind and kernel writes its start, each retry, its failure with
 * the original error as `err` (cause chain included), and its finish with the duration.
 */
export function observeJobs<D, R>(opts: ObservedJobOptions<D, R>): Processor<D, R> {
  const { kind } = opts;
  return async (job) => {
    const log = opts.logger.child({ job: job.id, kind, kernel: opts.kernel(job.data) });
    const attempts = { attempt: job.attempt, ...(job.maxAttempts ? { of: job.maxAttempts } : {}) };
    log.info(attempts, job.attempt > 1 ? `${kind} retry started` : `${kind} started`);
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    try {
      const result = await opts.run(job, log);
      log.info({ ms: ms(), ...opts.summary?.(result) }, `${kind} finished`);
      opts.observer?.completed(result, ms() / 1000);
      return result;
    } catch (err) {
      const toQueue = opts.queueError(err);
      const took = ms();
      if (toQueue instanceof UnrecoverableError) {
        // the user's error itself (the queue's copy only repeats its message)
        const cause = toQueue.cause ?? err;
        log[opts.userErrorLevel ?? 'warn']({ err: cause, ms: took }, `${kind} failed (not retried)`);
        opts.observer?.ended('failed', took / 1000);
      } else if (job.attempt < (job.maxAttempts ?? 1) && !job.signal.aborted) {
        log.warn({ err, ms: took, ...attempts }, `${kind} attempt ${job.attempt} failed; it will be retried`);
        opts.observer?.retrying();
      } else {
        log.error({ err, ms: took, ...attempts }, `${kind} failed after ${job.attempt} attempt(s)`);
        opts.observer?.ended('error', took / 1000);
      }
      throw toQueue;
    }
  };
}

/** The queue's form of a user's error: not retried, the original kept as its cause for the logs. */
export function unrecoverable(err: Error): UnrecoverableError {
  const e = new UnrecoverableError(err.message);
  e.cause = err;
  return e;
}
