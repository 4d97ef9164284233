import { SurfhiveError } from '../../errors/codes.js';
import type { BtfEndian } from './types.js';

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
export const BTF_HEADER_MIN = 24;

export interface BtfHeader {
  endian: BtfEndian;
  hdrLen: number;
  /** Absolute byte ranges inside the blob. */
  typeStart: number;
  typeEnd: number;
  strStart: number;
  strEnd: number;
}

/** The endianness a blob declares through its magic, or undefined if it is not BTF. */
export function btfEndian(raw: Buffer): BtfEndian | undefined {
  if (raw.length < 2) return undefined;
  if (raw.readUInt16LE(0) === BTF_MAGIC) return 'little';
  if (raw.readUInt16BE(0) === BTF_MAGIC) return 'big';
  return undefined;
}

export function parseHeader(raw: Buffer): BtfHeader {
  if (raw.length < BTF_HEADER_MIN) badBtf(`BTF blob too short for a header (${raw.length} bytes)`);
  const endian = btfEndian(raw) ?? badBtf('not BTF: bad magic');
  const r = byteReader(raw, endian);
  const version = raw[2]!;
  if (version !== BTF_VERSION) badBtf(`unsupported BTF version ${version}`);
  const hdrLen = r.u32(4);
  if (hdrLen < BTF_HEADER_MIN || hdrLen > raw.length) badBtf(`BTF header length ${hdrLen} out of bounds`);
  // A longer header than we know is allowed only if its extra bytes are zero (as libbpf requires).
  for (let i = BTF_HEADER_MIN; i < hdrLen; i++)
    if (raw[i] !== 0) badBtf('BTF header has unknown non-zero fields');
  const typeOff = r.u32(8);
  const typeLen = r.u32(12);
  const strOff = r.u32(16);
  const strLen = r.u32(20);
  const body = raw.length - hdrLen;
  if (typeOff % 4 !== 0) badBtf('BTF type section is not 4-byte aligned');
  if (typeOff + typeLen > body) badBtf('BTF type section extends past the end of the blob');
  if (strOff + strLen > body) badBtf('BTF string section extends past the end of the blob');
  if (typeOff + typeLen > strOff) badBtf('BTF type and string sections overlap or are out of order');
  return {
    endian,
    hdrLen,
    typeStart: hdrLen + typeOff,
    typeEnd: hdrLen + typeOff + typeLen,
    strStart: hdrLen + strOff,
    strEnd: hdrLen + strOff + strLen,
  };
}

/** Every rejection of a BTF blob goes through here, so the error kind stays uniform. */
export function badBtf(message: string): never {
  throw new SurfhiveError('BAD_BTF', message);
}

/** Reads unsigned/signed integers of one endianness; callers bound-check offsets first. */
export interface ByteReader {
  u16(off: number): number;
  u32(off: number): number;
  i32(off: number): number;
}

export function byteReader(buf: Buffer, endian: BtfEndian): ByteReader {
  return endian === 'little'
    ? { u16: (o) => buf.readUInt16LE(o), u32: (o) => buf.readUInt32LE(o), i32: (o) => buf.readInt32LE(o) }
    : { u16: (o) => buf.readUInt16BE(o), u32: (o) => buf.readUInt32BE(o), i32: (o) => buf.readInt32BE(o) };
}
