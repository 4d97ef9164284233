import { isSurfhiveError, SurfhiveError } from '../errors/index.js';
import type { Arch } from '../hive/names.js';
import type { HiveRegistry, KernelEntry } from '../hive/registry.js';
import { AnswerCache } from './answer-cache.js';
import { DbCache } from './db-cache.js';
import type { KernelDbHandle } from './kernel-db-handle.js';

export interface LookupEvents {
  dbHit?: () => void;
  dbMiss?: () => void;
  answerHit?: () => void;
  answerMiss?: () => void;
}

export interface LookupOptions {
  dbCacheSize: number;
  /** Bytes of serialized answers kept (default 128 MiB). */
  answerCacheBytes?: number;
  events?: LookupEvents;
  /** Called on a miss before KERNEL_NOT_FOUND; may throw instead (KERNEL_PREPARING when provisioning). */
  onMissingKernel?: (arch: Arch, ver: string) => Promise<void>;
}

/** Finds a kernel's database and runs queries on it; no HTTP here. */
export class KernelLookup {
  private readonly dbs: DbCache;
  private readonly answers: AnswerCache;

  constructor(
    readonly registry: HiveRegistry,
    private readonly opts: LookupOptions,
  ) {
    this.dbs = new DbCache(opts.dbCacheSize, { hit: opts.events?.dbHit, miss: opts.events?.dbMiss });
    this.answers = new AnswerCache(opts.answerCacheBytes ?? 128 * 1024 * 1024);
  }

  /** The kernel for (arch, ver), or KERNEL_NOT_FOUND / KERNEL_CONFLICT. */
  async kernel(arch: Arch, ver: string): Promise<KernelEntry> {
    let r = this.registry.lookup(arch, ver);
    if (r.status === 'missing') r = await this.registry.resolve(arch, ver);
    if (r.status === 'ok') return r.kernel;
    if (r.status === 'conflict') {
      throw new SurfhiveError(
        'KERNEL_CONFLICT',
        `kernel ${ver} (${arch}) is ambiguous: releases ${r.conflict.releases.join(', ')} hold different ${r.conflict.kinds.join(', ')} files`,
      );
    }
    await this.opts.onMissingKernel?.(arch, ver);
    throw new SurfhiveError('KERNEL_NOT_FOUND', `no kernel ${ver} for ${arch}`);
  }

  /** Runs `fn` on the kernel's current database; a file renamed over it is picked up here. */
  query<T>(kernel: KernelEntry, fn: (h: KernelDbHandle) => T): T {
    const h = this.handle(kernel);
    try {
      return h.use(fn);
    } catch (err) {
      if (isSurfhiveError(err)) throw err;
      throw new SurfhiveError('UNAVAILABLE', 'kernel database is unreadable', { cause: err });
    }
  }

  /**
   * The serialized JSON of `produce()`, cached under the database version and
   * `key` (which must name every input of `produce`).
   */
  cachedJson(kernel: KernelEntry, key: string, produce: (h: KernelDbHandle) => unknown): Buffer {
    const h = this.handle(kernel);
    const full = `${h.file}\0${h.identity}\0${key}`;
    const hit = this.answers.get(full);
    if (hit) {
      this.opts.events?.answerHit?.();
      return hit;
    }
    this.opts.events?.answerMiss?.();
    let out: Buffer;
    try {
      out = Buffer.from(JSON.stringify(h.use(produce)));
    } catch (err) {
      if (isSurfhiveError(err)) throw err;
      throw new SurfhiveError('UNAVAILABLE', 'kernel database is unreadable', { cause: err });
    }
    this.answers.set(full, out);
    return out;
  }

  close(): void {
    this.dbs.closeAll();
    this.answers.clear();
  }

  private handle(kernel: KernelEntry): KernelDbHandle {
    const file = kernel.artifacts.db?.path;
    if (!file) throw new SurfhiveError('KERNEL_NOT_FOUND', `no database for kernel ${kernel.ver}`);
    try {
      return this.dbs.get(file);
    } catch (err) {
      // the file vanished or changed under us: let the registry catch up
      this.registry.refresh().catch(() => {});
      throw err;
    }
  }
}
