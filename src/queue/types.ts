import { isSurfhiveError, SurfhiveError } from '../errors/codes.js';

/**
 * The queue knows nothing about compile or ingest: entry points hand it
 * processor functions (the BullMQ pattern). A processor throws
 * `UnrecoverableError` (from bullmq) for a user's error, which fails the job
 * at once; any other error is an infrastructure fault and is retried.
 */
export interface JobContext<D> {
  id: string;
  data: D;
  attempt: number;
  /** Attempts the queue allows this job (absent: unknown). */
  maxAttempts?: number;
  log(line: string): Promise<void>;
  progress(value: number | object): Promise<void>;
  signal: AbortSignal;
}

export type Processor<D, R> = (job: JobContext<D>) => Promise<R>;

export type JobStatus = 'waiting' | 'active' | 'completed' | 'failed' | 'unknown';

export interface JobState<R> {
  id: string;
  name: string;
  status: JobStatus;
  progress: number | object;
  result?: R;
  error?: string;
  attempts: number;
  logs: string[];
  createdAt: number;
  finishedAt?: number;
}

export interface QueueCounts {
  waiting: number;
  active: number;
}

export interface SubmitOptions {
  /** Jobs with the same id are one job: a second submit joins the first. */
  jobId?: string;
  attempts?: number;
}

export interface JobQueue<D, R> {
  readonly name: string;
  submit(name: string, data: D, opts?: SubmitOptions): Promise<string>;
  get(id: string): Promise<JobState<R> | undefined>;
  /** Resolves with the result, rejects with the job's error, or with a timeout error. */
  wait(id: string, timeoutMs: number): Promise<R>;
  /** Forgets a finished job so that its id can be submitted again. */
  remove(id: string): Promise<void>;
  /** Number of jobs waiting or running. */
  backlog(): Promise<number>;
  /** Jobs waiting (including those delayed before a retry) and running, counted apart. */
  counts(): Promise<QueueCounts>;
  close(): Promise<void>;
}

export class JobFailedError extends Error {
  constructor(
    message: string,
    readonly unrecoverable: boolean,
  ) {
    super(message);
  }
}

export class JobTimeoutError extends Error {}

/**
 * Runs one call to a queue; a queue that does not answer (Redis down or restarting) is the
 * server's trouble, told to the client as UNAVAILABLE (503) at once.
 */
export async function queueCall<T>(fn: () => Promise<T>, message: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isSurfhiveError(err)) throw err;
    throw new SurfhiveError('UNAVAILABLE', message, { cause: err });
  }
}
