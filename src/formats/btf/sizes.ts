import type { Btf } from './types.js';

const LONG_NAMES = new Set(['long int', 'long unsigned int', 'long', 'unsigned long']);

/** Pointer width guessed the way libbpf does: from the size of `long`; 8 when the blob has none. */
export function guessPointerSize(btf: Btf): number {
  for (let id = 1; id < btf.typeCount; id++) {
    const t = btf.type(id);
    if (t.kind === 'int' && LONG_NAMES.has(t.name)) return t.size;
  }
  return 8;
}

/** sizeof for every type, memoized. Relies on validateTypes() having bounded containment depth. */
export class BtfSizes {
  private readonly memo: Float64Array;

  constructor(
    private readonly btf: Btf,
    readonly pointerSize: number,
  ) {
    this.memo = new Float64Array(btf.typeCount).fill(-1);
  }

  of(id: number): number {
    const known = this.memo[id];
    if (known !== undefined && known >= 0) return known;
    const size = this.compute(id);
    this.memo[id] = size;
    return size;
  }

  private compute(id: number): number {
    const t = this.btf.type(id);
    switch (t.kind) {
      case 'int':
      case 'float':
      case 'struct':
      case 'union':
      case 'enum':
      case 'enum64':
      case 'datasec':
        return t.size;
      case 'ptr':
        return this.pointerSize;
      case 'array':
        return t.nelems * this.of(t.type);
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
      case 'var':
        return this.of(t.type);
      case 'func_proto':
      case 'func':
        return 1; // GNU C's sizeof of a function type
      default:
        return 0; // void, forward declarations, tags
    }
  }
}
