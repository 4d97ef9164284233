import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../errors/codes.js';
import { type ArtifactKind, artifactPath, type KernelKey } from './layout.js';

/**
 * Atomic publication of one kernel's artifacts. Each artifact is renamed into
 * place from a staging directory on the same filesystem; the database goes
 * last because the registry only sees kernels that have one. A journal with
 * hard links to the files being replaced lets `recoverHive` roll back a
 * publication that a crash interrupted, so the hive is always either as it
 * was or complete.
 */
export const STAGING_DIR = '.staging';
const JOURNAL = 'journal.json';
const OWNER = 'owner.pid';
const PUBLISH_ORDER: ArtifactKind[] = ['vmlinux', 'btf', 'head', 'funcs', 'db'];

interface Journal {
  key: KernelKey;
  kinds: ArtifactKind[];
  replaced: ArtifactKind[];
}

export const stagingRoot = (hive: string) => path.join(hive, STAGING_DIR);

/** A fresh scratch directory inside the hive, so that renames into place never cross filesystems. */
export async function makeStagingDir(hive: string, prefix: string): Promise<string> {
  const dir = path.join(stagingRoot(hive), `${prefix}-${Date.now()}-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, OWNER), String(process.pid));
  return dir;
}

/** Whether a process of this machine is still running (a pid we may not signal is alive). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** A scratch directory is abandoned when the process that made it is gone. */
async function isAbandoned(txDir: string): Promise<boolean> {
  const pid = Number(await readFile(path.join(txDir, OWNER), 'utf8').catch(() => 'NaN'));
  return !Number.isInteger(pid) || pid <= 0 || !pidAlive(pid);
}

/**
 * Holds the exclusive lock on one (arch, ver) across processes while `fn` runs: the same
 * kernel is never built or ingested twice at once (`activity` names what the holder does,
 * for the error the loser gets). A lock left by a dead process is taken over.
 */
export async function withKernelLock<T>(
  hive: string,
  key: KernelKey,
  activity: 'built' | 'ingested' | 'removed',
  fn: () => Promise<T>,
): Promise<T> {
  const dir = stagingRoot(hive);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `lock-${key.arch}-${key.ver}`);
  const busy = () =>
    new SurfhiveError('KERNEL_CONFLICT', `kernel ${key.arch}/${key.ver} is being ${activity} by another job`);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw busy();
      const owner = Number(await readFile(file, 'utf8').catch(() => '0'));
      if (owner > 0 && pidAlive(owner)) throw busy();
      await rm(file, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}

const fsyncFile = (file: string) => {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

const exists = async (file: string) => {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
};

/**
 * Moves `files` (kind → path inside `txDir`'s filesystem) into the hive under `key`.
 * `txDir` must come from `makeStagingDir`; it is removed afterwards.
 */
export async function publishKernel(
  hive: string,
  key: KernelKey,
  files: Partial<Record<ArtifactKind, string>>,
  txDir: string,
): Promise<void> {
  const kinds = PUBLISH_ORDER.filter((k) => files[k] !== undefined);
  const newDir = path.join(txDir, 'new');
  const oldDir = path.join(txDir, 'old');
  await mkdir(newDir, { recursive: true });
  await mkdir(oldDir, { recursive: true });
  for (const kind of kinds) {
    const staged = path.join(newDir, kind);
    await rename(files[kind]!, staged);
    fsyncFile(staged);
  }
  const replaced: ArtifactKind[] = [];
  for (const kind of kinds) {
    const target = artifactPath(hive, key, kind);
    if (await exists(target)) {
      await link(target, path.join(oldDir, kind));
      replaced.push(kind);
    }
  }
  const journal: Journal = { key, kinds, replaced };
  await writeFile(path.join(txDir, `${JOURNAL}.tmp`), JSON.stringify(journal));
  fsyncFile(path.join(txDir, `${JOURNAL}.tmp`));
  await rename(path.join(txDir, `${JOURNAL}.tmp`), path.join(txDir, JOURNAL));

  for (const kind of kinds) {
    const target = artifactPath(hive, key, kind);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(path.join(newDir, kind), target);
  }
  // The publication is complete once the journal is gone.
  await unlink(path.join(txDir, JOURNAL));
  await rm(txDir, { recursive: true, force: true });
}

/** Rolls back publications that a crash interrupted and removes abandoned scratch directories. */
export async function recoverHive(hive: string): Promise<{ rolledBack: KernelKey[]; removed: number }> {
  const root = stagingRoot(hive);
  const rolledBack: KernelKey[] = [];
  let removed = 0;
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return { rolledBack, removed };
  }
  for (const name of entries) {
    const txDir = path.join(root, name);
    // Lock files are the kernel lock's business: it takes over those of dead holders itself.
    if (!(await stat(txDir)).isDirectory()) continue;
    if (!(await isAbandoned(txDir))) continue;
    const journalFile = path.join(txDir, JOURNAL);
    if (await exists(journalFile)) {
      const journal = JSON.parse(await readFile(journalFile, 'utf8')) as Journal;
      for (const kind of [...journal.kinds].reverse()) {
        const target = artifactPath(hive, journal.key, kind);
        if (journal.replaced.includes(kind)) await rename(path.join(txDir, 'old', kind), target);
        else await rm(target, { force: true });
      }
      rolledBack.push(journal.key);
    }
    await rm(txDir, { recursive: true, force: true });
    removed++;
  }
  return { rolledBack, removed };
}
