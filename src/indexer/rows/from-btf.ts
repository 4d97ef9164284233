import type { Btf } from '../../formats/btf/types.js';
import { ArrayDimsIndex, type MemberArrayDims } from '../../formats/dwarf/array-dims.js';
import type { KernelRows } from '../../kernel-db/rows.js';
import { rowContext } from './context.js';
import { funcRows } from './funcs.js';
import { structRows } from './structs.js';
import { typeRows } from './types-table.js';

export interface RowsFromBtfOptions {
  /** `vm` for vmlinux, else the module name. */
  module: string;
  /** Struct row names to leave out (a module skips those vmlinux already has). */
  skipStructNames?: ReadonlySet<string>;
  /** Defaults to the size of `long` in the blob, else 8. */
  pointerSize?: number;
  /**
   * Leave out the `static ` prefix that BTF_FUNC_STATIC linkage gives `ret`.
   * pahole (1.24 and the one that built current kernels) records every
   * function as static, so the prefix says little about the source.
   */
  ignoreLinkage?: boolean;
  /**
   * Multi-dimensional array members as DWARF declares them: a member that BTF
   * gives as `x[6]` is named `x[2][3]` when DWARF says so for that very
   * member and the element counts agree.
   */
  arrayDims?: readonly MemberArrayDims[];
  /** Member visits the struct rows may cost in all (an upload's budget is far below a kernel's). */
  maxMemberVisits?: number;
}

/**
 * The `structs`, `types` and `funcs` rows of a kernel database from this
 * blob's own types (for split BTF, the module's; the base's are not repeated).
 */
export function rowsFromBtf(btf: Btf, opts: RowsFromBtfOptions): KernelRows {
  const dims = opts.arrayDims?.length ? new ArrayDimsIndex(opts.arrayDims) : undefined;
  const ctx = rowContext(btf, opts.pointerSize, dims);
  return {
    structs: structRows(ctx, opts.skipStructNames, opts.maxMemberVisits),
    types: typeRows(ctx),
    funcs: funcRows(ctx, opts.module, opts.ignoreLinkage ?? false),
  };
}
