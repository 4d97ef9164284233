import { decodeTypes } from './decode-types.js';
import { badBtf, byteReader, parseHeader } from './header.js';
import { BtfStrings } from './strings.js';
import type { Btf, BtfEndian, BtfType, BtfVoid } from './types.js';
import { validateTypes } from './validate.js';

const VOID: BtfVoid = Object.freeze({ kind: 'void', id: 0, name: '' });

class ParsedBtf implements Btf {
  readonly typeCount: number;
  constructor(
    readonly endian: BtfEndian,
    readonly base: Btf | undefined,
    readonly firstId: number,
    readonly types: readonly BtfType[],
    /** Kept so that split BTF on top of this one can resolve base string offsets. */
    readonly strings: BtfStrings,
  ) {
    this.typeCount = firstId + types.length;
  }

  type(id: number): BtfType {
    if (id >= this.firstId) {
      return this.types[id - this.firstId] ?? badBtf(`type id ${id} out of range`);
    }
    if (this.base) return this.base.type(id);
    if (id === 0) return VOID;
    return badBtf(`type id ${id} out of range`);
  }
}

/**
 * Parses and validates a raw BTF blob (either endianness). With `base`, the
 * blob is split BTF (a module's): its ids and string offsets continue after
 * the base's. Hostile input yields SurfhiveError('BAD_BTF'), never a hang.
 */
export function parseBtf(raw: Buffer, base?: Btf): Btf {
  if (base !== undefined && !(base instanceof ParsedBtf)) badBtf('base BTF was not produced by parseBtf');
  const h = parseHeader(raw);
  if (base && base.endian !== h.endian) badBtf('split BTF and its base differ in endianness');
  const strings = new BtfStrings(raw, h.strStart, h.strEnd, base?.strings);
  const firstId = base ? base.typeCount : 1;
  const types = decodeTypes(byteReader(raw, h.endian), strings, h.typeStart, h.typeEnd, firstId);
  const btf = new ParsedBtf(h.endian, base, firstId, types, strings);
  validateTypes(btf);
  return btf;
}
