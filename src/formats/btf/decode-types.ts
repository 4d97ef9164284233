import type { ByteReader } from './header.js';
import { badBtf } from './header.js';
import type { BtfStrings } from './strings.js';
import type { BtfLinkage, BtfMember, BtfParam, BtfType } from './types.js';

const KINDS = [
  undefined,
  'int',
  'ptr',
  'array',
  'struct',
  'union',
  'enum',
  'fwd',
  'typedef',
  'volatile',
  'const',
  'restrict',
  'func',
  'func_proto',
  'var',
  'datasec',
  'float',
  'decl_tag',
  'type_tag',
  'enum64',
] as const;

const LINKAGES: readonly BtfLinkage[] = ['static', 'global', 'extern'];
const INT_SIZES = new Set([1, 2, 4, 8, 16]);
const FLOAT_SIZES = new Set([2, 4, 8, 12, 16]);
const ENUM_SIZES = new Set([1, 2, 4, 8]);
const INT_SIGNED = 1;
const INT_CHAR = 2;
const INT_BOOL = 4;

interface Cursor {
  readonly r: ByteReader;
  readonly strings: BtfStrings;
  readonly end: number;
  off: number;
  id: number;
}

/** Decodes the type section [start, end) into types numbered from `firstId`. */
export function decodeTypes(
  r: ByteReader,
  strings: BtfStrings,
  start: number,
  end: number,
  firstId: number,
): BtfType[] {
  const types: BtfType[] = [];
  const c: Cursor = { r, strings, end, off: start, id: firstId };
  while (c.off < end) {
    types.push(decodeOne(c));
    c.id++;
  }
  return types;
}

function need(c: Cursor, bytes: number, what: string): void {
  if (c.off + bytes > c.end) badBtf(`type ${c.id} (${what}) is truncated`);
}

function decodeOne(c: Cursor): BtfType {
  need(c, 12, 'header');
  const { r, id } = c;
  const nameOff = r.u32(c.off);
  const info = r.u32(c.off + 4);
  const sizeOrType = r.u32(c.off + 8);
  c.off += 12;
  const vlen = info & 0xffff;
  const kindFlag = info >>> 31 === 1;
  const kind = KINDS[(info >>> 24) & 0x1f] ?? badBtf(`type ${id} has unknown kind ${(info >>> 24) & 0x1f}`);
  const name = c.strings.get(nameOff, `type ${id} name`);

  switch (kind) {
    case 'int': {
      need(c, 4, kind);
      const v = r.u32(c.off);
      c.off += 4;
      const encoding = (v >>> 24) & 0x0f;
      const bitOffset = (v >>> 16) & 0xff;
      const bits = v & 0xff;
      if (!INT_SIZES.has(sizeOrType)) badBtf(`type ${id}: integer size ${sizeOrType} is invalid`);
      if (bits === 0 || bits > 128 || bitOffset + bits > sizeOrType * 8)
        badBtf(`type ${id}: integer bit layout ${bitOffset}+${bits} does not fit its size`);
      if (encoding & ~(INT_SIGNED | INT_CHAR | INT_BOOL)) badBtf(`type ${id}: unknown integer encoding`);
      return {
        kind,
        id,
        name,
        size: sizeOrType,
        signed: (encoding & INT_SIGNED) !== 0,
        char: (encoding & INT_CHAR) !== 0,
        bool: (encoding & INT_BOOL) !== 0,
        bitOffset,
        bits,
      };
    }
    case 'float':
      if (!FLOAT_SIZES.has(sizeOrType)) badBtf(`type ${id}: float size ${sizeOrType} is invalid`);
      return { kind, id, name, size: sizeOrType };
    case 'ptr':
    case 'typedef':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'type_tag':
      return { kind, id, name, type: sizeOrType };
    case 'fwd':
      return { kind, id, name, union: kindFlag };
    case 'array': {
      need(c, 12, kind);
      const t = { kind, id, name, type: r.u32(c.off), indexType: r.u32(c.off + 4), nelems: r.u32(c.off + 8) };
      c.off += 12;
      return t;
    }
    case 'struct':
    case 'union':
      return { kind, id, name, size: sizeOrType, members: decodeMembers(c, vlen, kindFlag, sizeOrType) };
    case 'enum':
    case 'enum64':
      return decodeEnum(c, kind, name, vlen, kindFlag, sizeOrType);
    case 'func':
      if (vlen >= LINKAGES.length) badBtf(`type ${id}: unknown function linkage ${vlen}`);
      return { kind, id, name, type: sizeOrType, linkage: LINKAGES[vlen]! };
    case 'func_proto':
      return decodeProto(c, vlen, sizeOrType);
    case 'var': {
      need(c, 4, kind);
      const linkage = r.u32(c.off);
      c.off += 4;
      if (linkage >= LINKAGES.length) badBtf(`type ${id}: unknown variable linkage ${linkage}`);
      return { kind, id, name, type: sizeOrType, linkage: LINKAGES[linkage]! };
    }
    case 'datasec': {
      need(c, vlen * 12, kind);
      const vars = [];
      for (let i = 0; i < vlen; i++, c.off += 12)
        vars.push({ type: r.u32(c.off), offset: r.u32(c.off + 4), size: r.u32(c.off + 8) });
      return { kind, id, name, size: sizeOrType, vars };
    }
    case 'decl_tag': {
      need(c, 4, kind);
      const componentIdx = r.i32(c.off);
      c.off += 4;
      if (componentIdx < -1) badBtf(`type ${id}: decl tag component index ${componentIdx} is invalid`);
      return { kind, id, name, type: sizeOrType, componentIdx };
    }
  }
}

function decodeMembers(c: Cursor, vlen: number, kindFlag: boolean, size: number): BtfMember[] {
  need(c, vlen * 12, 'members');
  const members: BtfMember[] = new Array(vlen);
  const limit = size * 8;
  for (let i = 0; i < vlen; i++, c.off += 12) {
    const raw = c.r.u32(c.off + 8);
    const bitOffset = kindFlag ? raw & 0xffffff : raw;
    const bitfieldSize = kindFlag ? raw >>> 24 : 0;
    if (bitOffset + bitfieldSize > limit)
      badBtf(`type ${c.id}: member ${i} lies outside the ${size}-byte struct`);
    if (bitfieldSize > 128) badBtf(`type ${c.id}: member ${i} bitfield width ${bitfieldSize} is invalid`);
    members[i] = {
      name: c.strings.get(c.r.u32(c.off), `type ${c.id} member ${i}`),
      type: c.r.u32(c.off + 4),
      bitOffset,
      bitfieldSize,
    };
  }
  return members;
}

function decodeEnum(
  c: Cursor,
  kind: 'enum' | 'enum64',
  name: string,
  vlen: number,
  signed: boolean,
  size: number,
): BtfType {
  const id = c.id;
  if (!ENUM_SIZES.has(size)) badBtf(`type ${id}: enum size ${size} is invalid`);
  if (kind === 'enum') {
    need(c, vlen * 8, kind);
    const values = new Array(vlen);
    for (let i = 0; i < vlen; i++, c.off += 8)
      values[i] = {
        name: c.strings.get(c.r.u32(c.off), `type ${id} enumerator ${i}`),
        value: signed ? c.r.i32(c.off + 4) : c.r.u32(c.off + 4),
      };
    return { kind, id, name, size, signed, values };
  }
  need(c, vlen * 12, kind);
  const values = new Array(vlen);
  for (let i = 0; i < vlen; i++, c.off += 12) {
    const v = (BigInt(c.r.u32(c.off + 8)) << 32n) | BigInt(c.r.u32(c.off + 4));
    values[i] = {
      name: c.strings.get(c.r.u32(c.off), `type ${id} enumerator ${i}`),
      value: signed ? BigInt.asIntN(64, v) : v,
    };
  }
  return { kind, id, name, size, signed, values };
}

function decodeProto(c: Cursor, vlen: number, ret: number): BtfType {
  const id = c.id;
  need(c, vlen * 8, 'parameters');
  const params: BtfParam[] = [];
  let variadic = false;
  for (let i = 0; i < vlen; i++, c.off += 8) {
    const nameOff = c.r.u32(c.off);
    const type = c.r.u32(c.off + 4);
    if (type === 0) {
      // `void` as a parameter only marks varargs, and only last and unnamed.
      if (i !== vlen - 1 || nameOff !== 0) badBtf(`type ${id}: parameter ${i} has type void`);
      variadic = true;
      continue;
    }
    params.push({ name: c.strings.get(nameOff, `type ${id} parameter ${i}`), type });
  }
  return { kind: 'func_proto', id, name: '', ret, params, variadic };
}
