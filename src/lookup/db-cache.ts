import { statSync } from 'node:fs';
import { SurfhiveError } from '../errors/codes.js';
import { type FileVersion, KernelDbHandle } from './kernel-db-handle.js';

/** A database file as the hive registry last saw it (its scan's stat). */
export interface DbFileVersion extends FileVersion {
  path: string;
}

export interface DbCacheEvents {
  hit?: () => void;
  miss?: () => void;
  /** A file opened on a miss is not the version the caller named: the registry is behind the disk. */
  stale?: () => void;
}

export const versionId = (v: FileVersion) => `${v.ino}-${v.size}-${v.mtimeMs}`;

/**
 * A bounded LRU of open read-only database handles, keyed by path. A hit does
 * no file-system call: the caller names the version it expects (the hive
 * registry's scan, kept current by its directory watches), and a handle opened
 * for another version is replaced, while users of the old handle finish on it.
 * Only a miss stats the file.
 */
export class DbCache {
  private readonly handles = new Map<string, KernelDbHandle>();
  private newest: KernelDbHandle | undefined;

  constructor(
    private readonly maxOpen: number,
    private readonly events: DbCacheEvents = {},
  ) {}

  get size(): number {
    return this.handles.size;
  }

  get(file: DbFileVersion): KernelDbHandle {
    const cached = this.newest?.file === file.path ? this.newest : this.handles.get(file.path);
    if (cached?.openedFor(file)) {
      this.events.hit?.();
      if (cached !== this.newest) {
        this.handles.delete(file.path);
        this.handles.set(file.path, cached);
        this.newest = cached;
      }
      return cached;
    }
    if (cached) this.drop(file.path, cached);
    this.events.miss?.();
    const st = statSync(file.path, { throwIfNoEntry: false });
    if (!st?.isFile()) throw new SurfhiveError('KERNEL_NOT_FOUND', 'kernel database is gone');
    const identity = versionId(st);
    if (identity !== versionId(file)) this.events.stale?.();
    let handle: KernelDbHandle;
    try {
      handle = new KernelDbHandle(file.path, identity, file);
    } catch (err) {
      throw new SurfhiveError('UNAVAILABLE', 'kernel database cannot be opened', { cause: err });
    }
    this.handles.set(file.path, handle);
    this.newest = handle;
    while (this.handles.size > Math.max(1, this.maxOpen)) {
      const [oldest, h] = this.handles.entries().next().value as [string, KernelDbHandle];
      this.drop(oldest, h);
    }
    return handle;
  }

  closeAll(): void {
    for (const [file, h] of this.handles) this.drop(file, h);
  }

  private drop(file: string, h: KernelDbHandle): void {
    this.handles.delete(file);
    if (this.newest === h) this.newest = undefined;
    h.retire();
  }
}
