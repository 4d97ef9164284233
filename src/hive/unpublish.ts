import { link, mkdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../errors/codes.js';
import { ARTIFACT_KINDS, type ArtifactKind, artifactPath, type KernelKey } from './layout.js';
import { makeStagingDir } from './publish.js';

/**
 * Removes every artifact of one kernel as one step: the files are linked into a staging
 * directory under a journal that `recoverHive` rolls back (restoring them all) if the
 * process dies half-way. The caller holds the kernel lock.
 */
export async function unpublishKernel(hive: string, key: KernelKey): Promise<void> {
  const present: ArtifactKind[] = [];
  for (const kind of ARTIFACT_KINDS)
    if (await stat(artifactPath(hive, key, kind)).catch(() => undefined)) present.push(kind);
  if (present.length === 0)
    throw new SurfhiveError('KERNEL_NOT_FOUND', `no kernel ${key.ver} under ${key.release}`);
  const txDir = await makeStagingDir(hive, 'delete');
  try {
    await mkdir(path.join(txDir, 'old'));
    for (const kind of present) await link(artifactPath(hive, key, kind), path.join(txDir, 'old', kind));
    const journal = path.join(txDir, 'journal.json');
    await writeFile(`${journal}.tmp`, JSON.stringify({ key, kinds: present, replaced: present }));
    await rename(`${journal}.tmp`, journal);
    // the database goes first: a reader sees the kernel gone before any other file is
    const order = present.includes('db') ? ['db' as const, ...present.filter((k) => k !== 'db')] : present;
    for (const kind of order) await unlink(artifactPath(hive, key, kind));
    await unlink(journal);
  } finally {
    await rm(txDir, { recursive: true, force: true });
  }
}
