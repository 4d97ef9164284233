import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import {
  JobFailedError,
  type JobQueue,
  type JobState,
  JobTimeoutError,
  type Processor,
  type QueueCounts,
  type SubmitOptions,
} from './types.js';

interface Entry<D, R> {
  state: JobState<R>;
  data: D;
  maxAttempts: number;
  done: Promise<void>;
  settle: () => void;
  unrecoverable: boolean;
  abort: AbortController;
}

/** In-process queue for a single server without Redis: a bounded pool runs the processor. */
export class InlineQueue<D, R> implements JobQueue<D, R> {
  private readonly jobs = new Map<string, Entry<D, R>>();
  private readonly pending: string[] = [];
  private running = 0;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly processor: Processor<D, R>,
    private readonly opts: { concurrency: number; retainCompleted?: number; backoffMs?: number },
  ) {}

  async submit(name: string, data: D, opts: SubmitOptions = {}): Promise<string> {
    if (this.closed) throw new Error('queue is closed');
    const id = opts.jobId ?? randomUUID();
    const existing = this.jobs.get(id);
    if (existing && existing.state.status !== 'failed') return id;
    let settle!: () => void;
    const done = new Promise<void>((res) => {
      settle = res;
    });
    this.jobs.set(id, {
      state: { id, name, status: 'waiting', progress: 0, attempts: 0, logs: [], createdAt: Date.now() },
      data,
      maxAttempts: opts.attempts ?? 3,
      done,
      settle,
      unrecoverable: false,
      abort: new AbortController(),
    });
    this.pending.push(id);
    this.pump();
    return id;
  }

  async get(id: string): Promise<JobState<R> | undefined> {
    const e = this.jobs.get(id);
    return e ? structuredClone(e.state) : undefined;
  }

  async wait(id: string, timeoutMs: number): Promise<R> {
    const e = this.jobs.get(id);
    if (!e) throw new JobFailedError('no such job', true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new JobTimeoutError('job did not finish in time')), timeoutMs);
    });
    try {
      await Promise.race([e.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (e.state.status === 'completed') return e.state.result as R;
    throw new JobFailedError(e.state.error ?? 'job failed', e.unrecoverable);
  }

  async remove(id: string): Promise<void> {
    const e = this.jobs.get(id);
    if (e && (e.state.status === 'completed' || e.state.status === 'failed')) this.jobs.delete(id);
  }

  async backlog(): Promise<number> {
    return this.pending.length + this.running;
  }

  async counts(): Promise<QueueCounts> {
    // A job backing off before its retry keeps its slot: it counts as active.
    return { waiting: this.pending.length, active: this.running };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const e of this.jobs.values()) if (e.state.status === 'active') e.abort.abort();
  }

  private pump(): void {
    while (this.running < this.opts.concurrency && this.pending.length > 0) {
      const id = this.pending.shift()!;
      const e = this.jobs.get(id)!;
      this.running++;
      void this.run(e).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(e: Entry<D, R>): Promise<void> {
    const s = e.state;
    for (;;) {
      s.status = 'active';
      s.attempts++;
      try {
        s.result = await this.processor({
          id: s.id,
          data: e.data,
          attempt: s.attempts,
          maxAttempts: e.maxAttempts,
          signal: e.abort.signal,
          log: async (line) => {
            s.logs.push(line);
          },
          progress: async (value) => {
            s.progress = value;
          },
        });
        s.status = 'completed';
        break;
      } catch (err) {
        s.error = err instanceof Error ? err.message : String(err);
        e.unrecoverable = err instanceof UnrecoverableError;
        if (e.unrecoverable || s.attempts >= e.maxAttempts || this.closed) {
          s.status = 'failed';
          break;
        }
        await new Promise((r) => setTimeout(r, (this.opts.backoffMs ?? 500) * 2 ** (s.attempts - 1)));
      }
    }
    s.finishedAt = Date.now();
    e.settle();
    this.evictOld();
  }

  private evictOld(): void {
    const keep = this.opts.retainCompleted ?? 1000;
    if (this.jobs.size <= keep) return;
    for (const [id, e] of this.jobs) {
      if (this.jobs.size <= keep) break;
      if (e.state.status === 'completed' || e.state.status === 'failed') this.jobs.delete(id);
    }
  }
}
