import { artifactPath, type KernelKey } from '../hive/layout.js';
import type { KernelEntry } from '../hive/registry.js';
import type { Logger } from '../log/logger.js';
import { fileVersion, sameVersion } from './index-kernel.js';
import { LayoutIndexThread } from './index-thread.js';
import { type IndexedKernel, LayoutIndex, sameDbVersion } from './layout-index.js';

/**
 * After a kernel is published (the caller holds its lock): its layouts go into the hive's
 * index, on a thread of its own. A failure only costs speed (history reads that kernel's
 * database until a server catches up), so it is logged, not thrown.
 */
export async function recordPublishedKernel(hive: string, key: KernelKey, logger: Logger): Promise<void> {
  const thread = new LayoutIndexThread(hive);
  try {
    const db = fileVersion(artifactPath(hive, key, 'db'));
    if (!db) return;
    await thread.index({ ...key, db });
  } catch (err) {
    logger.warn({ err, kernel: key }, 'struct layout index not updated');
  } finally {
    await thread.close();
  }
}

/** After a kernel is removed (the caller holds its lock): its rows leave the index. */
export function recordRemovedKernel(hive: string, key: KernelKey, logger: Logger): void {
  let index: LayoutIndex | undefined;
  try {
    index = LayoutIndex.open(hive);
    const row = index.kernels().get(`${key.arch}\0${key.ver}`);
    if (row && row.release === key.release) index.remove(key.arch, key.ver);
  } catch (err) {
    logger.warn({ err, kernel: key }, 'struct layout index not updated');
  } finally {
    index?.close();
  }
}

/**
 * The server's side of the index: opened once, brought in line with the hive at startup
 * (kernels missing or stale are read, rows whose database is gone dropped) and caught up
 * whenever a history request finds a kernel the index does not hold as the registry sees
 * it. Kernels are read on a writer thread, one at a time (a kernel whose database has the
 * same content as one already indexed costs a copy of rows); `close` stops that thread.
 */
export class LayoutIndexKeeper {
  private index: LayoutIndex | undefined;
  private failed = false;
  private readonly queue = new Map<string, KernelEntry>();
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly thread: LayoutIndexThread;
  /** Kernels this keeper handed to its thread, by outcome (`failed`: the thread threw). */
  readonly stats = { read: 0, shared: 0, current: 0, stale: 0, failed: 0 };

  constructor(
    private readonly hive: string,
    private readonly logger: Logger,
    /** The writer thread's CPU niceness (SURFHIVE_TOOL_NICE). */
    nice?: number,
  ) {
    this.thread = new LayoutIndexThread(hive, nice);
  }

  /** The open index, or undefined when it cannot be opened here (then history reads databases). */
  get(): LayoutIndex | undefined {
    if (this.index || this.failed || this.closed) return this.index;
    try {
      this.index = LayoutIndex.open(this.hive);
    } catch (err) {
      this.failed = true;
      this.logger.warn({ err }, 'struct layout index unavailable; history reads each kernel database');
    }
    return this.index;
  }

  /** Indexed kernels whose rows describe the database version the registry sees now. */
  current(kernels: KernelEntry[]): Map<KernelEntry, IndexedKernel> {
    const out = new Map<KernelEntry, IndexedKernel>();
    const index = this.get();
    if (!index) return out;
    const rows = index.kernels();
    for (const k of kernels) {
      const row = rows.get(`${k.arch}\0${k.ver}`);
      if (row && sameDbVersion(row, k.artifacts.db)) out.set(k, row);
    }
    return out;
  }

  /** Brings the index in line with the registry's kernels; returns when the work is done. */
  reconcile(kernels: KernelEntry[]): Promise<void> {
    const index = this.get();
    if (!index) return Promise.resolve();
    const listed = new Set(kernels.map((k) => `${k.arch}\0${k.ver}`));
    for (const [key, row] of index.kernels()) {
      if (listed.has(key)) continue;
      if (!sameVersion(fileVersion(row.db.path), row.db)) index.remove(row.arch, row.ver);
    }
    const current = this.current(kernels);
    for (const k of kernels) if (!current.has(k)) this.enqueue(k);
    return this.draining ?? Promise.resolve();
  }

  enqueue(k: KernelEntry): void {
    if (this.closed || !k.artifacts.db) return;
    this.queue.set(`${k.arch}\0${k.ver}`, k);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Resolves when the queue is empty (tests, benches). */
  idle(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  /** Stops the writer thread (a kernel it was writing is not committed) and closes the index. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.clear();
    this.index?.close();
    this.index = undefined;
    await this.thread.close();
  }

  private async drain(): Promise<void> {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const next = this.queue.entries().next().value as [string, KernelEntry] | undefined;
      if (!next || this.closed) return;
      this.queue.delete(next[0]);
      const k = next[1];
      const kernel = { arch: k.arch, ver: k.ver, release: k.release, db: k.artifacts.db! };
      try {
        const { outcome, ms } = await this.thread.index(kernel);
        this.stats[outcome]++;
        this.logger.debug(
          { kernel: { arch: k.arch, ver: k.ver }, outcome, ms },
          'kernel indexed for history',
        );
      } catch (err) {
        if (this.closed) return;
        this.stats.failed++;
        this.logger.warn({ err, kernel: { arch: k.arch, ver: k.ver } }, 'kernel not indexed for history');
      }
    }
  }
}
