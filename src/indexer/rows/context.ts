import { BtfSizes, guessPointerSize } from '../../formats/btf/sizes.js';
import type { Btf, BtfType } from '../../formats/btf/types.js';
import type { ArrayDimsIndex } from '../../formats/dwarf/array-dims.js';
import { CTypeNamer } from '../ctype.js';

/** Shared, memoized helpers for turning one BTF into rows. */
export interface RowContext {
  readonly btf: Btf;
  readonly namer: CTypeNamer;
  readonly sizes: BtfSizes;
  /** Dimensions of multi-dimensional array members, which BTF flattens (from DWARF). */
  readonly arrayDims?: ArrayDimsIndex | undefined;
}

export function rowContext(btf: Btf, pointerSize?: number, arrayDims?: ArrayDimsIndex): RowContext {
  return {
    btf,
    namer: new CTypeNamer(btf),
    sizes: new BtfSizes(btf, pointerSize ?? guessPointerSize(btf)),
    arrayDims,
  };
}

/** Follows typedefs and qualifiers to the type that gives a declaration its shape. */
export function skipTypedefsAndQualifiers(btf: Btf, id: number): BtfType {
  let t = btf.type(id);
  while (
    t.kind === 'typedef' ||
    t.kind === 'const' ||
    t.kind === 'volatile' ||
    t.kind === 'restrict' ||
    t.kind === 'type_tag'
  )
    t = btf.type(t.type);
  return t;
}
