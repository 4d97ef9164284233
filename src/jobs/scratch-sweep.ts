import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';

/** Scratch older than this is no running job's: every job has a deadline far shorter. */
export const STALE_SCRATCH_MS = 10 * 60_000;

/** The directories whose entries are per-job scratch: compile jobs, `ko` uploads, half-stored cache entries. */
export const scratchDirs = (c: Pick<Config, 'workDir' | 'compileCacheDir'>) => [
  path.join(c.workDir, 'compile'),
  path.join(c.workDir, 'ko'),
  path.join(c.compileCacheDir, '.tmp'),
];

/**
 * Removes what crashed or killed processes left in the scratch directories:
 * every entry not changed for `olderThanMs` (other processes sharing the
 * disk may have younger jobs running). Returns how many entries went.
 */
export async function sweepScratch(dirs: string[], olderThanMs: number, logger?: Logger): Promise<number> {
  const cutoff = Date.now() - olderThanMs;
  let removed = 0;
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const p = path.join(dir, name);
      const st = await stat(p).catch(() => undefined);
      if (!st || st.mtimeMs > cutoff) continue;
      await rm(p, { recursive: true, force: true }).catch(() => undefined);
      removed++;
    }
  }
  if (removed > 0) logger?.info({ removed }, 'stale job scratch removed');
  return removed;
}
