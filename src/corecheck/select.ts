import { SurfhiveError } from '../errors/codes.js';
import type { HiveRegistry } from '../hive/registry.js';
import type { KernelRef, KernelSelection } from './types.js';

export interface SelectedKernel extends KernelRef {
  /** Host path of the kernel's BTF in the hive; never sent to clients. */
  btfPath: string;
}

/** Most kernels one check may cover. */
export const MAX_KERNELS = 5000;

/** The hive's kernels with BTF that match the selection, sorted by arch, release and version. */
export function selectKernels(registry: HiveRegistry, sel: KernelSelection): SelectedKernel[] {
  const picked = registry
    .list({ arch: sel.arch, release: sel.release, verPrefix: sel.verPrefix })
    .flatMap((k) =>
      k.artifacts.btf
        ? [{ arch: k.arch, release: k.release, ver: k.ver, btfPath: k.artifacts.btf.path }]
        : [],
    )
    .sort(
      (a, b) =>
        a.arch.localeCompare(b.arch) ||
        a.release.localeCompare(b.release) ||
        a.ver.localeCompare(b.ver, 'en', { numeric: true }),
    );
  if (picked.length === 0)
    throw new SurfhiveError('KERNEL_NOT_FOUND', 'no kernel in the hive matches the selection');
  if (picked.length > MAX_KERNELS)
    throw new SurfhiveError(
      'INVALID_FIELD',
      `the selection covers more than ${MAX_KERNELS} kernels; narrow it`,
    );
  return picked;
}
