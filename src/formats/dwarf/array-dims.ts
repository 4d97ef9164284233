/**
 * Dimensions of a multi-dimensional array member, from DWARF. BTF as pahole
 * writes it flattens `u64 stats[2][3]` into 6 x u64; this names it back.
 */
export interface MemberArrayDims {
  /** Nearest named struct/union around the member as rows name it (`struct x`, `union y`, or a typedef name). */
  anchor: string;
  /** Member name, prefixed `m.` for each named member of anonymous struct/union type on the way from the anchor. */
  path: string;
  /** Byte offset from the start of the anchor. */
  offset: number;
  /** Element counts, outermost first; 0 for a flexible (or zero-length) dimension. */
  dims: number[];
}

/** Lookup by anchor and path; entries given twice with different facts are dropped as ambiguous. */
export class ArrayDimsIndex {
  private readonly byKey = new Map<string, MemberArrayDims | null>();

  constructor(records: readonly MemberArrayDims[]) {
    for (const r of records) {
      const key = ArrayDimsIndex.key(r.anchor, r.path);
      const old = this.byKey.get(key);
      if (old === undefined) this.byKey.set(key, r);
      else if (old && (old.offset !== r.offset || old.dims.join() !== r.dims.join()))
        this.byKey.set(key, null);
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  private static key(anchor: string, path: string): string {
    return `${anchor}\u0000${path}`;
  }

  /**
   * The dimension suffix (`[2][3]`) for a member that BTF gives as one flat
   * array of `flatCount` elements, when DWARF knows that very member (same
   * place) and its dimensions multiply to the same count; else undefined.
   */
  dimsName(anchor: string, path: string, offset: number, flatCount: number): string | undefined {
    const r = this.byKey.get(ArrayDimsIndex.key(anchor, path));
    if (!r || r.offset !== offset || r.dims.length < 2) return undefined;
    if (r.dims.reduce((a, b) => a * b, 1) !== flatCount) return undefined;
    return r.dims.map((n) => `[${n || ''}]`).join('');
  }
}
