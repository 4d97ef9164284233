import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { ArtifactFile } from '../hive/registry.js';
import { readKernelLayouts } from './kernel-layouts.js';
import { type LayoutIndex, sameDbVersion } from './layout-index.js';

export function fileVersion(file: string): (ArtifactFile & { dev: number }) | undefined {
  try {
    const st = statSync(file);
    return { path: file, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev };
  } catch {
    return undefined;
  }
}

export const sameVersion = (a: ArtifactFile | undefined, b: ArtifactFile) =>
  a !== undefined && a.path === b.path && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** sha256 of a file's bytes, read synchronously (this runs on the indexing thread). */
function sha256Of(file: string): { digest: Buffer; ino: number; size: number; mtimeMs: number } {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
    return { digest: hash.digest(), ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** How one kernel went into the index. */
export type IndexOutcome =
  /** its database was read */
  | 'read'
  /** another indexed kernel's database is the same file (hard link) or has the same bytes: its rows were copied */
  | 'shared'
  /** the index already held this version of the database */
  | 'current'
  /** the database changed or went while it was being read; left for a later pass */
  | 'stale';

/**
 * Puts one kernel's layouts into the index, if its database is still the version `db` names
 * before and after the work. A database that is a hard link of, or byte-equal to, one already
 * indexed costs a hash (or nothing, for a hard link) and a copy of that kernel's rows in SQL;
 * any other is read whole.
 */
export function indexKernel(
  index: LayoutIndex,
  k: { arch: string; ver: string; release: string; db: ArtifactFile },
): IndexOutcome {
  const now = fileVersion(k.db.path);
  if (!now || !sameVersion(now, k.db)) return 'stale';
  const held = index.kernels().get(`${k.arch}\0${k.ver}`);
  if (held && held.release === k.release && sameDbVersion(held, k.db)) return 'current';
  const base = { arch: k.arch, ver: k.ver, release: k.release, db: k.db, dev: now.dev };
  const linked = index.sameContent(base);
  const linkedContent = linked === undefined ? undefined : index.contentOf(linked);
  if (linked !== undefined && linkedContent) {
    return index.share({ ...base, content: linkedContent }, linked) ? 'shared' : 'stale';
  }
  const hashed = sha256Of(k.db.path);
  if (!sameVersion({ path: k.db.path, ...hashed }, k.db)) return 'stale';
  const kernel = { ...base, content: hashed.digest };
  const peer = index.sameContent(kernel);
  if (peer !== undefined && index.share(kernel, peer)) return 'shared';
  const layouts = readKernelLayouts(k.db);
  if (!sameVersion(fileVersion(k.db.path), k.db)) return 'stale';
  index.put(kernel, layouts);
  return 'read';
}
