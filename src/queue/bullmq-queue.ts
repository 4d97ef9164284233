import { type ConnectionOptions, Job, Queue, QueueEvents, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import {
  JobFailedError,
  type JobQueue,
  type JobState,
  type JobStatus,
  JobTimeoutError,
  type QueueCounts,
  type SubmitOptions,
} from './types.js';

/** One Redis connection per role, failing fast while Redis is down instead of queueing commands forever. */
export function redisConnection(url: string, role: 'producer' | 'worker'): Redis {
  return new Redis(url, {
    // Workers block on Redis and must retry forever; producers answer HTTP requests and must fail fast.
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    lazyConnect: false,
  });
}

/** How long closing waits for BullMQ's goodbyes before the connections are cut. */
export const CLOSE_GRACE_MS = 10_000;

/**
 * Waits for `closing` at most `ms`; true when it settled in time. A BullMQ worker or
 * queue whose connection is reconnecting (Redis restarted, or gone) can wait forever
 * on its own QUIT; past the grace period the caller cuts the connections instead.
 */
export async function closeWithin(closing: Promise<unknown>, ms = CLOSE_GRACE_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    closing.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return settled;
}

const statusOf = (state: string): JobStatus => {
  switch (state) {
    case 'waiting':
    case 'delayed':
    case 'prioritized':
    case 'waiting-children':
      return 'waiting';
    case 'active':
    case 'completed':
    case 'failed':
      return state;
    default:
      return 'unknown';
  }
};

export class BullQueue<D, R> implements JobQueue<D, R> {
  private readonly queue: Queue;
  private readonly events: QueueEvents;

  private readonly eventsConnection: Redis;

  constructor(
    readonly name: string,
    connection: Redis,
    private readonly opts: {
      prefix?: string;
      backoffMs?: number;
      /** Connection trouble (Redis down or restarting); without a listener it would crash the process. */
      onError?: (err: Error) => void;
    } = {},
  ) {
    this.queue = new Queue(name, {
      connection: connection as unknown as ConnectionOptions,
      prefix: opts.prefix,
    });
    // QueueEvents blocks on XREAD, which BullMQ only allows on a connection that retries forever.
    this.eventsConnection = connection.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
    this.events = new QueueEvents(name, {
      connection: this.eventsConnection as unknown as ConnectionOptions,
      prefix: opts.prefix,
    });
    // Every wait() adds a 'closing' listener to the queue until its job ends: many clients wait at once.
    this.queue.setMaxListeners(10_000);
    const onError = (err: Error) => opts.onError?.(err);
    this.queue.on('error', onError);
    this.events.on('error', onError);
  }

  async ready(): Promise<void> {
    await this.queue.waitUntilReady();
    await this.events.waitUntilReady();
  }

  async submit(name: string, data: D, opts: SubmitOptions = {}): Promise<string> {
    const job = await this.queue.add(name, data, {
      jobId: opts.jobId,
      attempts: opts.attempts ?? 3,
      backoff: { type: 'exponential', delay: this.opts.backoffMs ?? 1000 },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 24 * 3600, count: 1000 },
    });
    return job.id!;
  }

  async get(id: string): Promise<JobState<R> | undefined> {
    const job = await Job.fromId(this.queue, id);
    if (!job) return undefined;
    const [state, logs] = await Promise.all([job.getState(), this.queue.getJobLogs(id)]);
    return {
      id,
      name: job.name,
      status: statusOf(state),
      progress: job.progress as number | object,
      result: job.returnvalue as R | undefined,
      error: job.failedReason || undefined,
      attempts: job.attemptsMade,
      logs: logs.logs,
      createdAt: job.timestamp,
      finishedAt: job.finishedOn,
    };
  }

  async wait(id: string, timeoutMs: number): Promise<R> {
    const job = await Job.fromId(this.queue, id);
    if (!job) throw new JobFailedError('no such job', true);
    // Our own deadline tells a timeout by its type; BullMQ's later one only frees its listeners.
    const finished = job.waitUntilFinished(this.events, timeoutMs + 1_000) as Promise<R>;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new JobTimeoutError('job did not finish in time')), timeoutMs);
    });
    try {
      return await Promise.race([finished, deadline]);
    } catch (err) {
      if (err instanceof JobTimeoutError) {
        finished.catch(() => undefined);
        throw err;
      }
      const fresh = await Job.fromId(this.queue, id);
      const unrecoverable = (fresh?.attemptsMade ?? 0) < (fresh?.opts.attempts ?? 1);
      throw new JobFailedError(err instanceof Error ? err.message : String(err), unrecoverable);
    } finally {
      clearTimeout(timer);
    }
  }

  async remove(id: string): Promise<void> {
    const job = await Job.fromId(this.queue, id);
    const state = await job?.getState();
    if (job && (state === 'completed' || state === 'failed')) await job.remove();
  }

  async backlog(): Promise<number> {
    return this.queue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized');
  }

  async counts(): Promise<QueueCounts> {
    const c = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return { waiting: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0 };
  }

  async close(): Promise<void> {
    await closeWithin(Promise.all([this.events.close(), this.queue.close()]));
    this.eventsConnection.disconnect();
  }
}

export { UnrecoverableError };
