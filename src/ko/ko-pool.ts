import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SurfhiveError } from '../errors/codes.js';
import type { UploadedModule } from '../indexer/modules-db.js';
import type { Logger } from '../log/logger.js';
import type { SandboxPolicy } from '../sandbox/policy.js';
import type { KoReply, KoRequest } from './messages.js';

export interface KoPoolOptions {
  policy: SandboxPolicy;
  /** Where each build gets its scratch directory. */
  workRoot: string;
  /** Builds running at once (one builder thread each). */
  concurrency: number;
  /** Builds waiting past which new ones are refused (QUEUE_FULL). */
  maxBacklog: number;
  /** Wall-clock time of one build from its submission, waiting included, ms. */
  deadlineMs: number;
  maxMemberRows: number;
  /** Heap of one builder thread, MiB. Default 512. */
  heapMb?: number;
  logger?: Logger;
}

interface Task {
  id: number;
  uploads: UploadedModule[];
  kernelBtfFile: string | undefined;
  deadline: number;
  resolve(db: Buffer): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  /** Settles once the thread runs (or failed to start). */
  online: Promise<void>;
}

/** The builder thread's module: .ts under the test runner's loader, .js once compiled. */
const WORKER_URL = new URL(`./ko-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
/** After the deadline a build is told to stop; a thread still busy this much later is terminated. */
const GRACE_MS = 1_000;

/**
 * `ko` builds off the request path: a bounded pool of long-lived builder
 * threads (each keeps the kernels' base BTF it parsed), a bounded queue, and
 * one deadline per build that covers its wait. A build past its deadline is
 * stopped (its tools killed) and its thread replaced if it does not stop.
 */
export class KoPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: KoPoolOptions) {}

  build(uploads: UploadedModule[], kernelBtfFile: string | undefined): Promise<Buffer> {
    if (this.closed) return Promise.reject(new SurfhiveError('UNAVAILABLE', 'the server is shutting down'));
    if (this.waiting.length >= this.opts.maxBacklog)
      return Promise.reject(
        new SurfhiveError('QUEUE_FULL', 'too many module builds are waiting; retry later'),
      );
    return new Promise((resolve, reject) => {
      this.waiting.push({
        id: this.nextId++,
        uploads,
        kernelBtfFile,
        deadline: Date.now() + this.opts.deadlineMs,
        resolve,
        reject,
      });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.waiting.splice(0))
      t.reject(new SurfhiveError('UNAVAILABLE', 'the server is shutting down'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private pump(): void {
    while (this.waiting.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot) {
        if (this.slots.length >= this.opts.concurrency) return;
        slot = this.spawn();
      }
      const task = this.waiting.shift()!;
      if (Date.now() >= task.deadline) {
        task.reject(this.timeout());
        continue;
      }
      void this.run(slot, task);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL, {
      workerData: { policy: this.opts.policy },
      resourceLimits: { maxOldGenerationSizeMb: this.opts.heapMb ?? 512 },
    });
    worker.unref();
    const online = new Promise<void>((resolve) => {
      worker.once('online', resolve);
      worker.once('error', () => resolve());
    });
    const slot: Slot = { worker, busy: false, online };
    this.slots.push(slot);
    return slot;
  }

  private retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate();
  }

  private timeout(): SurfhiveError {
    return new SurfhiveError('TOOL_TIMEOUT', `the module build did not finish in ${this.opts.deadlineMs} ms`);
  }

  private async run(slot: Slot, task: Task): Promise<void> {
    slot.busy = true;
    // An idle thread does not keep the process alive; a busy one does.
    slot.worker.ref();
    // Starting a builder thread is the server's cost, not the upload's: it does not count.
    const starting = Date.now();
    await slot.online;
    task.deadline += Date.now() - starting;
    const workDir = path.join(this.opts.workRoot, `ko-${Date.now()}-${randomBytes(6).toString('hex')}`);
    const req: KoRequest = {
      id: task.id,
      uploads: task.uploads.map((u) => ({ fileName: u.fileName, data: u.data })),
      kernelBtfFile: task.kernelBtfFile,
      workDir,
      deadline: task.deadline,
      maxMemberRows: this.opts.maxMemberRows,
    };
    let stopTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    try {
      const reply = await new Promise<KoReply | Error>((resolve) => {
        const onMessage = (m: KoReply) => {
          if (m.id === task.id) done(m);
        };
        const onError = (err: Error) => done(err);
        const onExit = () => done(new Error('builder thread exited'));
        const done = (r: KoReply | Error) => {
          slot.worker.off('message', onMessage);
          slot.worker.off('error', onError);
          slot.worker.off('exit', onExit);
          resolve(r);
        };
        slot.worker.on('message', onMessage);
        slot.worker.on('error', onError);
        slot.worker.on('exit', onExit);
        stopTimer = setTimeout(
          () => {
            slot.worker.postMessage({ abort: task.id });
            killTimer = setTimeout(() => done(this.timeout()), GRACE_MS);
          },
          Math.max(0, task.deadline - Date.now()),
        );
        slot.worker.postMessage(req);
      });
      if (reply instanceof Error) {
        // A thread that overran its heap or its deadline is not reused.
        this.retire(slot);
        if (reply instanceof SurfhiveError) throw reply;
        this.opts.logger?.warn({ err: reply }, 'ko builder thread failed');
        throw new SurfhiveError('BAD_INPUT_FILE', 'the modules are too large or complex to process');
      }
      if (!reply.ok) {
        if (Date.now() >= task.deadline) throw this.timeout();
        throw new SurfhiveError(reply.kind, reply.message);
      }
      task.resolve(Buffer.from(reply.db.buffer, reply.db.byteOffset, reply.db.byteLength));
    } catch (err) {
      task.reject(err as Error);
    } finally {
      clearTimeout(stopTimer);
      clearTimeout(killTimer);
      slot.busy = false;
      slot.worker.unref();
      await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
      this.pump();
    }
  }
}
