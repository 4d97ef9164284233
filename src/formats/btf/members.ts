import type { Btf, BtfMember } from './types.js';

export interface MemberLayout {
  /** Bit offset from the start of the enclosing struct. */
  bitOffset: number;
  /** Bitfield width, 0 for an ordinary member. */
  bitfieldSize: number;
}

/**
 * Where a member sits, for both bitfield encodings: in the member itself
 * (struct kind_flag), or in an INT type with fewer bits than its size (old style).
 */
export function memberLayout(btf: Btf, m: BtfMember): MemberLayout {
  if (m.bitfieldSize > 0) return { bitOffset: m.bitOffset, bitfieldSize: m.bitfieldSize };
  let t = btf.type(m.type);
  // Old-style bitfield INTs may sit behind typedefs and qualifiers; the chain is bounded by validation.
  while (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile' || t.kind === 'type_tag')
    t = btf.type(t.type);
  if (t.kind === 'int' && (t.bitOffset !== 0 || t.bits !== t.size * 8))
    return { bitOffset: m.bitOffset + t.bitOffset, bitfieldSize: t.bits };
  return { bitOffset: m.bitOffset, bitfieldSize: 0 };
}
