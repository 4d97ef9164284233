import { Worker } from 'node:worker_threads';
import type { ArtifactFile } from '../hive/registry.js';
import type { IndexOutcome } from './index-kernel.js';

export interface IndexRequest {
  id: number;
  kernel: { arch: string; ver: string; release: string; db: ArtifactFile };
}

export type IndexReply =
  | { id: number; ok: true; outcome: IndexOutcome; ms: number }
  | { id: number; ok: false; message: string; stack?: string };

/** The thread's module: .ts under the test runner's loader, .js once compiled. */
const WORKER_URL = new URL(
  `./index-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

/**
 * One writer thread of a hive's layout index, started on first use. Kernels go to it one at
 * a time (SQLite takes one writer anyway); `close` stops it at once, even mid-kernel: the
 * kernel's transaction then never commits and the index stays as it was.
 */
export class LayoutIndexThread {
  private worker: Worker | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private closed = false;

  /** `nice`: the thread's CPU niceness (SURFHIVE_TOOL_NICE), below the event loop's. */
  constructor(
    private readonly hive: string,
    private readonly nice?: number,
  ) {}

  /** Indexes one kernel on the thread; rejects on the thread's error or when closed. */
  index(kernel: IndexRequest['kernel']): Promise<{ outcome: IndexOutcome; ms: number }> {
    const run = this.chain.then(() => this.send(kernel));
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private spawn(): Worker {
    const w = new Worker(WORKER_URL, { workerData: { hive: this.hive, nice: this.nice } });
    w.unref();
    w.on('exit', () => {
      if (this.worker === w) this.worker = undefined;
    });
    return w;
  }

  private send(kernel: IndexRequest['kernel']): Promise<{ outcome: IndexOutcome; ms: number }> {
    if (this.closed) return Promise.reject(new Error('layout index thread closed'));
    this.worker ??= this.spawn();
    const w = this.worker;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const done = (r: IndexReply | Error) => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        w.unref();
        if (r instanceof Error) reject(r);
        else if (r.ok) resolve({ outcome: r.outcome, ms: r.ms });
        else reject(Object.assign(new Error(r.message), { stack: r.stack }));
      };
      const onMessage = (m: IndexReply) => {
        if (m.id === id) done(m);
      };
      const onError = (err: Error) => done(err);
      const onExit = () => done(new Error('layout index thread stopped'));
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      // a busy thread keeps the process alive; an idle one does not
      w.ref();
      w.postMessage({ id, kernel } satisfies IndexRequest);
    });
  }
}
