import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { artifactPath, type KernelKey } from '../hive/layout.js';
import { readKernelMeta } from '../kernel-db/read-meta.js';

/** The same (arch, ver) published under releases other than key.release, with their build facts. */
export async function findOtherReleases(hive: string, key: KernelKey) {
  const releases = await readdir(path.join(hive, key.arch, 'db')).catch(() => [] as string[]);
  const found: { release: string; meta: Record<string, string> | undefined }[] = [];
  for (const release of releases) {
    if (release === key.release) continue;
    const db = artifactPath(hive, { ...key, release }, 'db');
    const meta = readKernelMeta(db);
    if (meta !== undefined) found.push({ release, meta });
  }
  return found;
}
