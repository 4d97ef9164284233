import type { KernelDbHandle } from './kernel-db-handle.js';

export interface KernelCounts {
  structs: number;
  functions: number;
  types: number;
}

const count = (h: KernelDbHandle, table: 'structs' | 'funs' | 'types'): number =>
  (h.statement(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** How many rows a kernel database holds, for overviews. */
export const kernelCounts = (h: KernelDbHandle): KernelCounts => ({
  structs: count(h, 'structs'),
  functions: count(h, 'funs'),
  types: count(h, 'types'),
});
