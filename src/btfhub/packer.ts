import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BtfBytes } from '../buildid/btf-bytes.js';
import { runToolOk } from '../sandbox/exec.js';

export interface PackItem {
  /** File name inside the archive (`<kernel>.btf`, `<module>.btf`). */
  name: string;
  btf: BtfBytes;
}

const PACK_TIMEOUT_MS = 5 * 60_000;

/**
 * `.btf.tar.xz` archives as BTFHub ships them, made on first request and kept
 * under `cacheDir` by a key naming the database version they came from. One
 * pack per key at a time, and at most `maxConcurrent` packs at once, so that a
 * burst of first downloads cannot take every core.
 */
export class BtfhubPacker {
  private readonly pending = new Map<string, Promise<string>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly cacheDir: string,
    private readonly maxConcurrent = 1,
  ) {}

  /** The archive's path, packing it if it is not cached yet. */
  async archive(key: string, fileName: string, items: () => Promise<PackItem[]>): Promise<string> {
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 32);
    const file = path.join(this.cacheDir, digest, fileName);
    if (
      await stat(file).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return file;
    let p = this.pending.get(file);
    if (!p) {
      p = this.limited(() => this.pack(file, items)).finally(() => this.pending.delete(file));
      this.pending.set(file, p);
    }
    return p;
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxConcurrent) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private async pack(file: string, items: () => Promise<PackItem[]>): Promise<string> {
    // scratch inside the cache, so the finished archive is renamed into place on one file system
    await mkdir(this.cacheDir, { recursive: true });
    const tmp = await mkdtemp(path.join(this.cacheDir, '.pack-'));
    try {
      const list = await items();
      for (const it of list) {
        const out = path.join(tmp, 'in', it.name);
        await mkdir(path.dirname(out), { recursive: true });
        const data = it.btf.open();
        if (Buffer.isBuffer(data)) await writeFile(out, data);
        else await pipeline(data, createWriteStream(out));
      }
      const packed = path.join(tmp, 'out.tar.xz');
      await runToolOk(
        'tar',
        [
          '--sort=name',
          '--owner=0',
          '--group=0',
          '--numeric-owner',
          '--mtime=@0',
          '-cJf',
          packed,
          '-C',
          path.join(tmp, 'in'),
          '--',
          ...list.map((i) => i.name),
        ],
        { timeoutMs: PACK_TIMEOUT_MS, cwd: tmp },
      );
      await mkdir(path.dirname(file), { recursive: true });
      await rename(packed, file);
      return file;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}
