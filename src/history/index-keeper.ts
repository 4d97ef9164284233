import { statSync } from 'node:fs';
import { artifactPath, type KernelKey } from '../hive/layout.js';
import type { ArtifactFile, KernelEntry } from '../hive/registry.js';
import type { Logger } from '../log/logger.js';
import { readKernelLayouts } from './kernel-layouts.js';
import { type IndexedKernel, LayoutIndex, sameDbVersion } from './layout-index.js';

function fileVersion(file: string): ArtifactFile | undefined {
  try {
    const st = statSync(file);
    return { path: file, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

const same = (a: ArtifactFile | undefined, b: ArtifactFile) =>
  a !== undefined && a.path === b.path && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/**
 * Reads one kernel's layouts into the index, if its database is still the version `db` names
 * before and after the read (a database replaced meanwhile is left for the next pass).
 */
export function indexKernel(
  index: LayoutIndex,
  k: { arch: string; ver: string; release: string; db: ArtifactFile },
): boolean {
  if (!same(fileVersion(k.db.path), k.db)) return false;
  const layouts = readKernelLayouts(k.db);
  if (!same(fileVersion(k.db.path), k.db)) return false;
  index.put(k, layouts);
  return true;
}

/**
 * After a kernel is published (the caller holds its lock): its layouts go into the hive's
 * index. A failure only costs speed (history reads that kernel's database until a server
 * catches up), so it is logged, not thrown.
 */
export function recordPublishedKernel(hive: string, key: KernelKey, logger: Logger): void {
  let index: LayoutIndex | undefined;
  try {
    const db = fileVersion(artifactPath(hive, key, 'db'));
    if (!db) return;
    index = LayoutIndex.open(hive);
    indexKernel(index, { ...key, db });
  } catch (err) {
    logger.warn({ err, kernel: key }, 'struct layout index not updated');
  } finally {
    index?.close();
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
 * it. Background work goes one kernel per turn of the event loop.
 */
export class LayoutIndexKeeper {
  private index: LayoutIndex | undefined;
  private failed = false;
  private readonly queue = new Map<string, KernelEntry>();
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly hive: string,
    private readonly logger: Logger,
  ) {}

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
      if (!same(fileVersion(row.db.path), row.db)) index.remove(row.arch, row.ver);
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

  close(): void {
    this.closed = true;
    this.queue.clear();
    this.index?.close();
    this.index = undefined;
  }

  private async drain(): Promise<void> {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const next = this.queue.entries().next().value as [string, KernelEntry] | undefined;
      if (!next || this.closed) return;
      this.queue.delete(next[0]);
      const k = next[1];
      const index = this.get();
      if (!index) return;
      try {
        indexKernel(index, { arch: k.arch, ver: k.ver, release: k.release, db: k.artifacts.db! });
      } catch (err) {
        this.logger.warn({ err, kernel: { arch: k.arch, ver: k.ver } }, 'kernel not indexed for history');
      }
    }
  }
}
