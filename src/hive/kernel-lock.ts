import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../errors/index.js';
import type { KernelKey } from './layout.js';
import { stagingRoot } from './publish.js';

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

/**
 * Holds an exclusive lock on one (arch, ver) across processes while `fn` runs:
 * the same kernel is never built or ingested twice at once. A lock left by a
 * dead process is taken over.
 */
export async function withKernelLock<T>(hive: string, key: KernelKey, fn: () => Promise<T>): Promise<T> {
  const dir = stagingRoot(hive);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `lock-${key.arch}-${key.ver}`);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new SurfhiveError(
          'KERNEL_CONFLICT',
          `kernel ${key.arch}/${key.ver} is being built by another job`,
        );
      }
      const owner = Number(await readFile(file, 'utf8').catch(() => '0'));
      if (owner > 0 && pidAlive(owner)) {
        throw new SurfhiveError(
          'KERNEL_CONFLICT',
          `kernel ${key.arch}/${key.ver} is being built by another job`,
        );
      }
      await rm(file, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}
