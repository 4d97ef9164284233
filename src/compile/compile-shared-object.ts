import type { Arch } from '../hive/names.js';
import { compileObject } from './compile-object.js';
import { type LbcDescriptor, makeDescriptor } from './descriptor.js';
import { describeTypesForFfi } from './ffi-probe.js';
import { parseCompileFlags } from './flags.js';
import { checkIncludes } from './include-guard.js';
import { findLbcMaps } from './lbc-maps.js';
import { linkSharedObject } from './link-shared-object.js';
import { SOURCE_NAME } from './outcome.js';
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
  const common = { vmlinuxH: input.vmlinuxH, arch: input.arch, jobDir: input.jobDir, toolchain };
  checkIncludes(input.source, SOURCE_NAME);
  const maps = findLbcMaps(input.source);
  // The ffi probe is a second, independent clang run: both use the two cores at once.
  const ffiStart = performance.now();
  const [object, types] = await Promise.allSettled([
    compileObject({ ...common, source: input.source, flags, pch: input.pch }),
    describeTypesForFfi({ ...common, flags, maps, source: input.source, pch: input.pch }).then((r) => ({
      ...r,
      ms: performance.now() - ffiStart,
    })),
  ]);
  if (object.status === 'rejected') throw object.reason;
  if (types.status === 'rejected') throw types.reason;
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
  const linked = await linkSharedObject({ ...common, object: compiled.object, descriptor });
  return {
    object: compiled.object,
    sharedObject: linked.sharedObject,
    descriptor,
    clog: compiled.clog,
    timings: { objectMs: compiled.durationMs, ffiMs, linkMs: linked.durationMs },
    usedPch: compiled.usedPch,
  };
}
