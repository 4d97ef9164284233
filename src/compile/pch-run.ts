import type { ExecResult } from '../sandbox/exec.js';
import { type BpfClangJob, runBpfClang } from './clang-run.js';
import type { PchCache } from './pch-cache.js';

export type BpfClangResult = ExecResult & { clog: string; usedPch: boolean };

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A failure with the precompiled header is the user's own when clang reports
 * an error in the job's file and says nothing about the precompiled header;
 * anything else (a stale or removed file, a sandbox that could not bind it) is
 * retried without it.
 */
function userFailure(res: ExecResult, input: string): boolean {
  if (res.timedOut) return true;
  if (/precompiled header|PCH file|AST file|^bwrap:/im.test(res.stderr)) return false;
  return new RegExp(`^${escapeRe(input)}:\\d+:\\d+: (fatal )?error:`, 'm').test(res.stderr);
}

/**
 * Runs clang on `source` (the text of job.input) from the precompiled lbc.h
 * when the cache has one that fits, and as a normal compile otherwise or when
 * that run fails for any reason but the user's program.
 */
export async function runBpfClangPreferPch(
  job: BpfClangJob,
  source: string,
  cache: PchCache | undefined,
): Promise<BpfClangResult> {
  const pch = cache
    ? await cache.forJob({ toolchain: job.toolchain, vmlinuxH: job.vmlinuxH, flags: job.flags, source })
    : undefined;
  if (pch) {
    const res = await runBpfClang({ ...job, pch });
    if (res.code === 0 || userFailure(res, job.input)) return { ...res, usedPch: true };
  }
  return { ...(await runBpfClang({ ...job, pch: undefined })), usedPch: false };
}
