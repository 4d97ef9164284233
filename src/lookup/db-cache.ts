import { statSync } from 'node:fs';
import { SurfhiveError } from '../errors/codes.js';
import { KernelDbHandle } from './kernel-db-handle.js';

export interface DbCacheEvents {
  hit?: () => void;
  miss?: () => void;
}

/**
 * A bounded LRU of open read-only database handles, keyed by path. Each get
 * stats the file: a file renamed over the old one (new inode or mtime) gets a
 * new handle, while users of the old handle finish on it.
 */
export class DbCache {
  private readonly handles = new Map<string, KernelDbHandle>();

  constructor(
    private readonly maxOpen: number,
    private readonly events: DbCacheEvents = {},
  ) {}

  get size(): number {
    return this.handles.size;
  }

  get(file: string): KernelDbHandle {
    const st = statSync(file, { throwIfNoEntry: false });
    const cached = this.handles.get(file);
    if (!st?.isFile()) {
      if (cached) this.drop(file, cached);
      throw new SurfhiveError('KERNEL_NOT_FOUND', 'kernel database is gone');
    }
    const identity = `${st.ino}-${st.size}-${st.mtimeMs}`;
    if (cached) {
      if (cached.identity === identity) {
        this.events.hit?.();
        this.handles.delete(file);
        this.handles.set(file, cached);
        return cached;
      }
      this.drop(file, cached);
    }
    this.events.miss?.();
    let handle: KernelDbHandle;
    try {
      handle = new KernelDbHandle(file, identity);
    } catch (err) {
      throw new SurfhiveError('UNAVAILABLE', 'kernel database cannot be opened', { cause: err });
    }
    this.handles.set(file, handle);
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
    h.retire();
  }
}
