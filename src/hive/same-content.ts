import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ArtifactFile } from './scan.js';

/** sha256 of a file's content, read as a stream (files here run to hundreds of MB). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** sha256 of files, remembered per (path, inode, size, mtime) so a rescan hashes only what changed. */
export class ContentHasher {
  private readonly cache = new Map<string, string>();

  async sha256(f: ArtifactFile): Promise<string> {
    const key = `${f.path}\0${f.ino}\0${f.size}\0${f.mtimeMs}`;
    const known = this.cache.get(key);
    if (known) return known;
    const digest = await sha256File(f.path);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, digest);
    return digest;
  }

  async same(a: ArtifactFile, b: ArtifactFile): Promise<boolean> {
    if (a.size !== b.size) return false;
    if (a.ino === b.ino && a.path === b.path) return true;
    const [ha, hb] = await Promise.all([this.sha256(a), this.sha256(b)]);
    return ha === hb;
  }
}
