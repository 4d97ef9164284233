import path from 'node:path';
import { type ExecResult, runTool, type ToolRunner } from '../sandbox/exec.js';
import { PromiseMemo } from '../util/memo.js';
import { jobOnlyClog } from './clog-filter.js';
import { COMPILE_PROCESSES, type CompileBudget, hitFileSizeLimit } from './compile-budget.js';
import { type JobMount, jobConfinement, SANDBOX_INCLUDE, SANDBOX_JOB, scrubPaths } from './job-sandbox.js';
import { CompileFailure } from './outcome.js';
import { type LbcToolchain, targetArchDefine } from './toolchain.js';

/** Where a job's precompiled lbc.h appears inside the sandbox. */
export const SANDBOX_PCH = '/lbc/pch/lbc.h.pch';

export interface BpfClangJob {
  jobDir: string;
  toolchain: LbcToolchain;
  /** Host path of the target kernel's vmlinux.h (any file name). */
  vmlinuxH: string;
  /** Already validated user flags (checkFlags). */
  flags: readonly string[];
  /** C file inside jobDir, and the object to write there. */
  input: string;
  output: string;
  runner: ToolRunner;
  /** The job's deadline and limits; this run takes what is left. */
  budget: CompileBudget;
  /** Steps of the job running beside this one (they split its memory). Default 1. */
  share?: number;
  /** Host path of a precompiled lbc.h (pch-cache.ts) to start from; the caller checked it fits the job. */
  pch?: string;
}

const resourceDirs = new PromiseMemo<string, string>();

/** clang's own header directory (stddef.h, stdarg.h), which -nostdinc would otherwise hide. */
function resourceDir(clang: string): Promise<string> {
  return resourceDirs.get(clang, async () => {
    const r = await runTool(clang, ['-print-resource-dir'], { timeoutMs: 10_000 });
    const out = r.stdout.trim();
    if (r.code !== 0 || !out.startsWith('/'))
      throw new CompileFailure('the BPF compiler is unavailable.', '');
    return out;
  });
}

/**
 * The arguments every BPF clang run starts with, the precompiled header's build
 * included: it must see the same target, language and predefined macros as the
 * compiles that use it. Input files are validated by content, so a vmlinux.h
 * copied again (new mtime, same bytes) keeps its precompiled header valid.
 */
export async function bpfClangBaseArgs(tc: LbcToolchain): Promise<string[]> {
  const resource = await resourceDir(tc.clang);
  return [
    '-target',
    'bpf',
    '-O2',
    '-g',
    targetArchDefine(tc.arch),
    '-nostdinc',
    '-isystem',
    path.join(resource, 'include'),
    `-I${SANDBOX_INCLUDE}`,
    '-fdebug-compilation-dir=.',
    '-fno-color-diagnostics',
    '-fno-crash-diagnostics',
    '-ferror-limit=50',
    '-fpch-validate-input-files-content',
  ];
}

/** lbc.h, libbpf's bpf/ headers and vmlinux.h at their neutral paths. */
export const includeMounts = (tc: LbcToolchain, vmlinuxH: string): JobMount[] => [
  { source: tc.lbcHeader, dest: `${SANDBOX_INCLUDE}/lbc.h`, toolchain: true },
  { source: tc.bpfHeaders, dest: `${SANDBOX_INCLUDE}/bpf`, toolchain: true },
  { source: vmlinuxH, dest: `${SANDBOX_INCLUDE}/vmlinux.h` },
];

export { COMPILE_PROCESSES };

/** Resource limits of a clang run outside any job (the precompiled header's build). */
export const clangLimits = (timeoutMs: number) => ({
  cpuSeconds: Math.ceil(timeoutMs / 1000) + 1,
  memoryBytes: 2 * 1024 * 1024 * 1024,
  fileBytes: 256 * 1024 * 1024,
  processes: COMPILE_PROCESSES,
});

/**
 * Runs clang -target bpf inside bubblewrap: the job directory is /job, lbc.h,
 * libbpf's bpf/ headers and vmlinux.h are in /lbc/include, and nothing else of
 * the host but the toolchain is visible. Output paths are scrubbed again as a
 * second fence, and messages about files outside the job withheld. A run that
 * times out or writes past the artifact cap throws: the job ends there.
 */
export async function runBpfClang(job: BpfClangJob): Promise<ExecResult & { clog: string }> {
  const tc = job.toolchain;
  const args = [
    ...(await bpfClangBaseArgs(tc)),
    ...(job.pch ? ['-include-pch', SANDBOX_PCH] : []),
    ...job.flags,
    '-c',
    job.input,
    '-o',
    job.output,
  ];
  const mounts = includeMounts(tc, job.vmlinuxH);
  if (job.pch) mounts.push({ source: job.pch, dest: SANDBOX_PCH });
  const res = await job.runner.run(tc.clang, args, {
    confine: jobConfinement(job.jobDir, mounts, tc.arch),
    timeoutMs: job.budget.remainingMs(),
    signal: job.budget.signal,
    maxOutputBytes: 256 * 1024,
    limits: job.budget.stepLimits(job.share),
  });
  // A step that ran out of time, was stopped or wrote past the size cap ends the whole job.
  if (res.timedOut || job.budget.expired) throw job.budget.timedOut();
  if (job.budget.signal.aborted) throw new CompileFailure('compile stopped.', '');
  if (hitFileSizeLimit(res)) throw job.budget.tooLarge('object');
  const scrubbed = scrubPaths(res.stderr, [
    [job.jobDir, '.'],
    [path.dirname(job.vmlinuxH), SANDBOX_INCLUDE],
    [tc.bpfHeaders, `${SANDBOX_INCLUDE}/bpf`],
    [path.dirname(tc.lbcHeader), SANDBOX_INCLUDE],
    ...(job.pch ? ([[job.pch, SANDBOX_PCH]] as [string, string][]) : []),
    [`${SANDBOX_JOB}/`, ''],
  ]);
  return { ...res, clog: jobOnlyClog(scrubbed, [`${SANDBOX_INCLUDE}/`]) };
}
