import { Worker } from 'node:worker_threads';
import { SurfhiveError } from '../errors/codes.js';
import type { ExecOptions, ExecResult } from './exec.js';

/** What the thread is asked: one tool run (the options without the signal), or to stop one. */
export type SpawnRequest =
  | { id: number; cmd: string; args: string[]; opts: Omit<ExecOptions, 'signal'> }
  | { abort: number };

export type SpawnReply =
  | { id: number; ok: true; result: ExecResult }
  | { id: number; ok: false; kind: ConstructorParameters<typeof SurfhiveError>[0]; message: string };

/** The thread's module: .ts under the test runner's loader, .js once compiled. */
const WORKER_URL = new URL(
  `./spawn-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

interface Pending {
  resolve(r: ExecResult): void;
  reject(err: Error): void;
  signal?: AbortSignal | undefined;
  onAbort?: () => void;
}

/**
 * Starts tools from a thread of its own. Starting a process blocks the thread that starts it
 * until the child has replaced itself with the tool (the fork copies the server's page tables,
 * then the parent waits for the exec to report back): a few ms on an idle machine, tens of ms on
 * a busy one, where the new child waits for a CPU first. On the event loop that answers every
 * client, each compile step would stall all of them that long. Started lazily; an idle thread
 * does not keep the process alive.
 */
export class SpawnThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** `nice`: the thread's CPU niceness (the policy's): its forks are work started for clients. */
  constructor(private readonly nice?: number) {}

  run(cmd: string, args: string[], opts: ExecOptions): Promise<ExecResult> {
    const { signal, ...rest } = opts;
    if (signal?.aborted)
      return Promise.reject(new SurfhiveError('TOOL_FAILED', `${cmd} was stopped before it started`));
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve, reject, signal };
      if (signal) {
        p.onAbort = () => worker.postMessage({ abort: id } satisfies SpawnRequest);
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.pending.set(id, p);
      worker.ref();
      worker.postMessage({ id, cmd, args, opts: rest } satisfies SpawnRequest);
    });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_URL, { workerData: { nice: this.nice } });
    worker.unref();
    worker.on('message', (m: SpawnReply) => this.settle(m.id, m));
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const id of [...this.pending.keys()]) this.settle(id, err);
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new SurfhiveError('TOOL_FAILED', 'the tool starter thread stopped')));
    this.worker = worker;
    return worker;
  }

  private settle(id: number, r: SpawnReply | Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
    if (this.pending.size === 0) this.worker?.unref();
    if (r instanceof Error) p.reject(r);
    else if (r.ok) p.resolve(r.result);
    else p.reject(new SurfhiveError(r.kind, r.message));
  }
}
