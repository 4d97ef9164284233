import type { Arch } from '../hive/names.js';
import type { ToolRunner } from '../sandbox/exec.js';
import { CompileBudget } from './compile-budget.js';
import { compileObject } from './compile-object.js';
import { type LbcDescriptor, makeDescriptor } from './descriptor.js';
import { describeTypesForFfi } from './ffi-probe.js';
import { parseCompileFlags } from './flags.js';
import { findLbcMaps } from './lbc-maps.js';
import { linkSharedObject } from './link-shared-object.js';
import type { PchCache } from './pch-cache.js';
import { type LbcToolchain, lbcToolchain } from './toolchain.js';

export interface CompileSharedInput {
  source: string;
  /** The client's env string (flags), untrusted. */
  env: string;
  /** The target kernel's `ver` (uname -r), recorded in the descriptor. */
  kernVersion: string;
  arch: Arch;
  vmlinuxH: string;
  jobDir: string;
  toolchain?: LbcToolchain;
  /** The process's tool runner (its sandbox policy, from the configuration). */
  runner: ToolRunner;
  /** One deadline and memory budget for every step; default a fresh budget with the default limits. */
  budget?: CompileBudget;
  /** Precompiled lbc.h headers for both clang runs, when one fits. */
  pch?: PchCache;
}

export interface CompileSharedResult {
  object: string;
  sharedObject: string;
  descriptor: LbcDescriptor;
  clog: string;
  timings: { objectMs: number; ffiMs: number; linkMs: number };
  /** Whether the object's clang run started from a precompiled lbc.h. */
  usedPch: boolean;
}

/**
 * The whole `c` pipeline: flags → bpf.o and, alongside, the ffi probe →
 * descriptor (maps, ffi) → lbc.so. All files stay in jobDir; the caller owns it.
 */
export async function compileSharedObject(input: CompileSharedInput): Promise<CompileSharedResult> {
  const flags = parseCompileFlags(input.env);
  const toolchain = input.toolchain ?? lbcToolchain(input.arch);
  const { runner } = input;
  const budget = input.budget ?? new CompileBudget();
  const common = { vmlinuxH: input.vmlinuxH, arch: input.arch, jobDir: input.jobDir, toolchain };
  const maps = findLbcMaps(input.source);
  // The ffi probe is a second, independent clang run: both use the two cores at once and split the
  // job's memory. The first of them to fail stops the other: the job is over.
  const ffiStart = performance.now();
  const stopOnFailure = <T>(p: Promise<T>) =>
    p.catch((err: unknown) => {
      budget.abort();
      throw err;
    });
  const side = { runner, budget, share: 2, pch: input.pch };
  const [object, types] = await Promise.allSettled([
    stopOnFailure(compileObject({ ...common, ...side, source: input.source, flags })),
    stopOnFailure(
      describeTypesForFfi({ ...common, ...side, flags, maps, source: input.source }).then((r) => ({
        ...r,
        ms: performance.now() - ffiStart,
      })),
    ),
  ]);
  // The first failure is the job's: the other one only saw the job stopped.
  if (object.status === 'rejected' || types.status === 'rejected')
    throw firstCause([object, types].flatMap((r) => (r.status === 'rejected' ? [r.reason] : [])));
  const compiled = object.value;
  const { ffi, ms: ffiMs } = types.value;
  const descriptor = makeDescriptor({
    source: input.source,
    env: input.env,
    kernVersion: input.kernVersion,
    arch: input.arch,
    maps,
    ffi,
  });
  const linked = await linkSharedObject({ ...common, runner, budget, object: compiled.object, descriptor });
  return {
    object: compiled.object,
    sharedObject: linked.sharedObject,
    descriptor,
    clog: compiled.clog,
    timings: { objectMs: compiled.durationMs, ffiMs, linkMs: linked.durationMs },
    usedPch: compiled.usedPch,
  };
}

/** Of two failures of steps run side by side, the one that is not merely "stopped" (by the other). */
function firstCause(reasons: unknown[]): unknown {
  return reasons.find((r) => !(r instanceof Error && r.message === 'compile stopped.')) ?? reasons[0];
}
