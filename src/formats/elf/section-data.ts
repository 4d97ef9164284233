import { inflateSync } from 'node:zlib';
import {
  badElf,
  bufferSource,
  type ElfFile,
  type ElfSection,
  type ElfSource,
  readElfFrom,
  SHF_COMPRESSED,
} from './elf-file.js';

const ELFCOMPRESS_ZLIB = 1;
/** Larger than any real .BTF section (vmlinux's is a few MB). */
export const MAX_SECTION_BYTES = 512 * 1024 * 1024;

/** A section's bytes, inflating SHF_COMPRESSED zlib sections. */
export function sectionData(src: ElfSource, file: ElfFile, sec: ElfSection): Buffer {
  if (sec.size > MAX_SECTION_BYTES) badElf(`section ${sec.name} is too large`);
  const data = src.read(sec.offset, sec.size);
  if ((sec.flags & SHF_COMPRESSED) === 0n) return data;
  const hdrLen = file.class === 64 ? 24 : 12;
  if (data.length < hdrLen) badElf(`compressed section ${sec.name} is truncated`);
  const le = file.endian === 'little';
  const kind = le ? data.readUInt32LE(0) : data.readUInt32BE(0);
  if (kind !== ELFCOMPRESS_ZLIB) badElf(`section ${sec.name} uses unsupported compression ${kind}`);
  const size =
    file.class === 64
      ? Number(le ? data.readBigUInt64LE(8) : data.readBigUInt64BE(8))
      : le
        ? data.readUInt32LE(4)
        : data.readUInt32BE(4);
  if (size > MAX_SECTION_BYTES) badElf(`compressed section ${sec.name} is too large`);
  let out: Buffer;
  try {
    out = inflateSync(data.subarray(hdrLen), { maxOutputLength: Math.max(size, 1) });
  } catch {
    return badElf(`compressed section ${sec.name} is corrupt`);
  }
  if (out.length !== size) badElf(`compressed section ${sec.name} has the wrong size`);
  return out;
}

export function hasSection(elf: Buffer, name: string): boolean {
  return readElfFrom(bufferSource(elf)).sections.some((s) => s.name === name);
}

/** The raw `.BTF` section of an ELF file (decompressed if needed), or undefined if it has none. */
export function extractBtfSection(elf: Buffer): Buffer | undefined {
  return btfFrom(bufferSource(elf));
}

export function btfFrom(src: ElfSource): Buffer | undefined {
  const file = readElfFrom(src);
  const sec = file.sections.find((s) => s.name === '.BTF');
  return sec ? Buffer.from(sectionData(src, file, sec)) : undefined;
}
