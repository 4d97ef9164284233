import type { BtfEndian } from './types.js';

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
