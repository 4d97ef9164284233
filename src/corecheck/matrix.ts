import type { NativeKernelLine } from './native.js';
import type { CoreMatrix, KernelOutcome, KernelRef, ObjectInfo, OutcomeGroup } from './types.js';

/** A program fails where one of its relocations is fatal or its poisoned instruction is reached. */
export function kernelOutcome(object: ObjectInfo, kernel: KernelRef, line: NativeKernelLine): KernelOutcome {
  if (line.error !== undefined) return { ...kernel, loads: false, failing: [], relos: [], error: line.error };
  const failing = new Set<string>();
  line.relos.forEach((r, i) => {
    const program = object.relos[i]?.program;
    if ((r.fatal || r.reachable) && program) failing.add(program);
  });
  return { ...kernel, loads: line.loads, failing: [...failing].sort(), relos: line.relos };
}

const kernelName = (k: KernelRef) => `${k.arch}/${k.release}/${k.ver}`;

/** Kernels grouped by identical outcome (verdict and every relocation's status and value). */
export function summarize(kernels: KernelOutcome[]): CoreMatrix['summary'] {
  const groups = new Map<string, OutcomeGroup>();
  for (const k of kernels) {
    const key = JSON.stringify([k.loads, k.error, k.relos.map((r) => [r.status, r.value, r.reachable])]);
    let g = groups.get(key);
    if (!g) {
      g = {
        loads: k.loads,
        kernels: [],
        problems: k.relos.flatMap((r, relo) => (r.status === 'ok' ? [] : [{ relo, status: r.status }])),
      };
      groups.set(key, g);
    }
    g.kernels.push(kernelName(k));
  }
  const loads = kernels.filter((k) => k.loads).length;
  return {
    kernels: kernels.length,
    loads,
    fails: kernels.length - loads,
    groups: [...groups.values()].sort((a, b) => b.kernels.length - a.kernels.length),
  };
}
