import { BtfSizes, guessPointerSize } from '../btf/sizes.js';
import type { Btf, BtfType } from '../btf/types.js';
import { CTypeNamer } from '../ctype/c-namer.js';

/** Shared, memoized helpers for turning one BTF into rows. */
export interface RowContext {
  readonly btf: Btf;
  readonly namer: CTypeNamer;
  readonly sizes: BtfSizes;
}

export function rowContext(btf: Btf, pointerSize?: number): RowContext {
  return { btf, namer: new CTypeNamer(btf), sizes: new BtfSizes(btf, pointerSize ?? guessPointerSize(btf)) };
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
