import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../errors/codes.js';
import type { Arch } from '../hive/names.js';
import type { ToolRunner } from '../sandbox/exec.js';
import { CompileBudget } from './compile-budget.js';
import { checkFlags } from './flags.js';
import { ARTIFACT_NAMES, CompileFailure, SOURCE_NAME } from './outcome.js';
import type { PchCache } from './pch-cache.js';
import { runBpfClangPreferPch } from './pch-run.js';
import { type LbcToolchain, lbcToolchain } from './toolchain.js';

export interface CompileObjectInput {
  /** The user's bpf.c exactly as received. */
  source: string;
  /** Extra compiler arguments, as returned by parseCompileFlags. */
  flags: readonly string[];
  /** vmlinux.h of the target kernel. */
  vmlinuxH: string;
  arch: Arch;
  /** An empty scratch directory owned by this job. */
  jobDir: string;
  toolchain?: LbcToolchain;
  /** The process's tool runner (its sandbox policy, from the configuration). */
  runner: ToolRunner;
  /** The job's deadline and limits; default a fresh budget with the default limits. */
  budget?: CompileBudget;
  /** Steps of the job running beside this one. */
  share?: number;
  /** Precompiled lbc.h headers to start from when one fits; none: a normal compile. */
  pch?: PchCache;
}

export interface CompileObjectResult {
  /** Host path of the BPF object (jobDir/bpf.o). */
  object: string;
  /** Compiler warnings, with job-relative paths. */
  clog: string;
  durationMs: number;
  /** Whether clang started from a precompiled lbc.h. */
  usedPch: boolean;
}

/**
 * bpf.c → bpf.o with clang -target bpf. A program that does not build throws
 * CompileFailure carrying the compiler's messages (paths like `bpf.c:6:13`).
 */
export async function compileObject(input: CompileObjectInput): Promise<CompileObjectResult> {
  const flags = checkFlags(input.flags);
  const toolchain = input.toolchain ?? lbcToolchain(input.arch);
  await writeFile(path.join(input.jobDir, SOURCE_NAME), input.source, { mode: 0o644 });
  const res = await runBpfClangPreferPch(
    {
      jobDir: input.jobDir,
      toolchain,
      vmlinuxH: input.vmlinuxH,
      flags,
      input: SOURCE_NAME,
      output: ARTIFACT_NAMES.o,
      runner: input.runner,
      budget: input.budget ?? new CompileBudget(),
      share: input.share,
    },
    input.source,
    input.pch,
  );
  if (res.code !== 0 && res.stderr.startsWith('bwrap:'))
    throw new SurfhiveError('TOOL_FAILED', 'the compile sandbox could not start');
  if (res.truncated) throw new CompileFailure('compile failed: too much compiler output.', res.clog);
  if (res.code !== 0) throw new CompileFailure('compile failed.', res.clog);
  return {
    object: path.join(input.jobDir, ARTIFACT_NAMES.o),
    clog: res.clog,
    durationMs: res.durationMs,
    usedPch: res.usedPch,
  };
}
