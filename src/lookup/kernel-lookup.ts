import { isSurfhiveError, SurfhiveError } from '../errors/codes.js';
import type { Arch } from '../hive/names.js';
import type { ArtifactFile, HiveRegistry, KernelEntry } from '../hive/registry.js';
import { AnswerCache } from './answer-cache.js';
import { DbCache, versionId } from './db-cache.js';
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

/**
 * Finds a kernel's database and runs queries on it; no HTTP here. Which file
 * version is current is the registry's word (its watches see a file renamed
 * over another), so a lookup answered from memory touches no file.
 */
export class KernelLookup {
  private readonly dbs: DbCache;
  private readonly answers: AnswerCache;
  /** The answer-key prefix (path and version) of each database file the registry listed. */
  private readonly keyPrefixes = new WeakMap<ArtifactFile, string>();
  /** Answers read from the database version the registry names: right until it rescans. */
  private readonly current = new WeakSet<Buffer>();

  constructor(
    readonly registry: HiveRegistry,
    private readonly opts: LookupOptions,
  ) {
    this.dbs = new DbCache(opts.dbCacheSize, {
      hit: opts.events?.dbHit,
      miss: opts.events?.dbMiss,
      stale: () => this.catchUp(),
    });
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

  /** Runs `fn` on the kernel's current database. */
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
   * `key` (which must name every input of `produce`). A hit opens no database.
   */
  cachedJson(kernel: KernelEntry, key: string, produce: (h: KernelDbHandle) => unknown): Buffer {
    const file = this.dbFile(kernel);
    const full = this.keyPrefix(file) + key;
    const hit = this.answers.get(full);
    if (hit) {
      this.opts.events?.answerHit?.();
      return hit;
    }
    this.opts.events?.answerMiss?.();
    const h = this.handle(kernel);
    let out: Buffer;
    try {
      out = Buffer.from(JSON.stringify(h.use(produce)));
    } catch (err) {
      if (isSurfhiveError(err)) throw err;
      throw new SurfhiveError('UNAVAILABLE', 'kernel database is unreadable', { cause: err });
    }
    // An answer read from a newer file than the registry names is served, not kept under the old name.
    if (h.identity === versionId(file)) {
      this.answers.set(full, out);
      this.current.add(out);
    }
    return out;
  }

  /**
   * Did `cachedJson` return this buffer, read from the database version the
   * registry names? Such an answer may be remembered until the registry rescans.
   */
  isCurrentAnswer(answer: Buffer): boolean {
    return this.current.has(answer);
  }

  close(): void {
    this.dbs.closeAll();
    this.answers.clear();
  }

  private dbFile(kernel: KernelEntry): ArtifactFile {
    const file = kernel.artifacts.db;
    if (!file) throw new SurfhiveError('KERNEL_NOT_FOUND', `no database for kernel ${kernel.ver}`);
    return file;
  }

  private keyPrefix(file: ArtifactFile): string {
    let prefix = this.keyPrefixes.get(file);
    if (prefix === undefined) {
      prefix = `${file.path}\0${versionId(file)}\0`;
      this.keyPrefixes.set(file, prefix);
    }
    return prefix;
  }

  private handle(kernel: KernelEntry): KernelDbHandle {
    try {
      return this.dbs.get(this.dbFile(kernel));
    } catch (err) {
      // the file vanished under us: let the registry catch up
      this.catchUp();
      throw err;
    }
  }

  /** The disk moved ahead of the registry (a change its watches have not reported yet). */
  private catchUp(): void {
    this.registry.refresh().catch(() => {});
  }
}
