import { SurfhiveError } from '../../errors/codes.js';

export type ElfClass = 32 | 64;
export type ElfEndian = 'little' | 'big';

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: bigint;
  /** File range; empty for SHT_NOBITS. Validated to lie inside the file. */
  readonly offset: number;
  readonly size: number;
}

export interface ElfFile {
  readonly class: ElfClass;
  readonly endian: ElfEndian;
  readonly type: number;
  readonly machine: number;
  readonly sections: readonly ElfSection[];
}

/** Random access to an ELF image (a Buffer, or a file too large to load). */
export interface ElfSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset`; callers stay within `size`. */
  read(offset: number, length: number): Buffer;
}

export const SHT_NOBITS = 8;
export const SHF_COMPRESSED = 0x800n;
const SHN_XINDEX = 0xffff;
/** Section-name tables are small; this bounds what one hostile header can make us read. */
const MAX_SHSTRTAB = 64 * 1024 * 1024;
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** Where the fields we read sit, per ELF class. */
const LAYOUT = {
  32: {
    shoff: 32,
    shentsize: 46,
    shnum: 48,
    shstrndx: 50,
    ehsize: 52,
    sh: 40,
    shFlags: 8,
    shOffset: 16,
    shSize: 20,
    shLink: 24,
  },
  64: {
    shoff: 40,
    shentsize: 58,
    shnum: 60,
    shstrndx: 62,
    ehsize: 64,
    sh: 64,
    shFlags: 8,
    shOffset: 24,
    shSize: 32,
    shLink: 40,
  },
} as const;

/** Endian-aware reads of one header buffer; addresses are checked against the whole file. */
class Fields {
  constructor(
    private readonly buf: Buffer,
    private readonly le: boolean,
    private readonly cls: ElfClass,
    private readonly fileSize: number,
  ) {}

  private at(off: number, len: number): number {
    if (off + len > this.buf.length) badElf('ELF header is truncated');
    return off;
  }
  u16(off: number): number {
    const o = this.at(off, 2);
    return this.le ? this.buf.readUInt16LE(o) : this.buf.readUInt16BE(o);
  }
  u32(off: number): number {
    const o = this.at(off, 4);
    return this.le ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o);
  }
  /** A class-sized field (address, offset, size, flags) as a bigint. */
  wide(off: number): bigint {
    if (this.cls === 32) return BigInt(this.u32(off));
    const o = this.at(off, 8);
    return this.le ? this.buf.readBigUInt64LE(o) : this.buf.readBigUInt64BE(o);
  }
  /** An offset or size that must not exceed the file. */
  within(off: number, what: string): number {
    const v = this.wide(off);
    if (v > BigInt(this.fileSize)) badElf(`ELF ${what} points past the end of the file`);
    return Number(v);
  }
}

export function bufferSource(buf: Buffer): ElfSource {
  return { size: buf.length, read: (offset, length) => buf.subarray(offset, offset + length) };
}

/** Parses the ELF header and section headers of a Buffer; not-an-ELF or out-of-bounds input is BAD_ELF. */
export function readElf(buf: Buffer): ElfFile {
  return readElfFrom(bufferSource(buf));
}

export function readElfFrom(src: ElfSource): ElfFile {
  if (src.size < 16) badElf('not an ELF file');
  const ident = src.read(0, 16);
  if (!ident.subarray(0, 4).equals(ELF_MAGIC)) badElf('not an ELF file');
  const cls = ident[4] === 1 ? 32 : ident[4] === 2 ? 64 : badElf(`unknown ELF class ${ident[4]}`);
  const endian =
    ident[5] === 1 ? 'little' : ident[5] === 2 ? 'big' : badElf(`unknown ELF data encoding ${ident[5]}`);
  if (ident[6] !== 1) badElf(`unknown ELF version ${ident[6]}`);
  const L = LAYOUT[cls];
  const le = endian === 'little';
  if (src.size < L.ehsize) badElf('ELF header is truncated');
  const hdr = new Fields(src.read(0, L.ehsize), le, cls, src.size);
  const type = hdr.u16(16);
  const machine = hdr.u16(18);
  const shoff = hdr.within(L.shoff, 'section table offset');
  if (shoff === 0) return { class: cls, endian, type, machine, sections: [] };
  const shentsize = hdr.u16(L.shentsize);
  if (shentsize < L.sh) badElf(`ELF section header size ${shentsize} is too small`);
  if (shoff + shentsize > src.size) badElf('ELF section table extends past the end of the file');

  // Extended numbering: counts that do not fit the header live in section 0.
  const first = new Fields(src.read(shoff, shentsize), le, cls, src.size);
  let shnum = hdr.u16(L.shnum);
  if (shnum === 0) shnum = first.within(L.shSize, 'section count');
  let shstrndx = hdr.u16(L.shstrndx);
  if (shstrndx === SHN_XINDEX) shstrndx = first.u32(L.shLink);
  if (shoff + shnum * shentsize > src.size) badElf('ELF section table extends past the end of the file');
  if (shnum > 0 && shstrndx >= shnum) badElf('ELF section name table index out of range');

  const table = src.read(shoff, shnum * shentsize);
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const f = new Fields(table.subarray(i * shentsize, (i + 1) * shentsize), le, cls, src.size);
    const stype = f.u32(4);
    const offset = f.within(L.shOffset, `section ${i} offset`);
    const size = stype === SHT_NOBITS ? 0 : f.within(L.shSize, `section ${i} size`);
    if (offset + size > src.size) badElf(`ELF section ${i} extends past the end of the file`);
    raw.push({ index: i, nameOff: f.u32(0), type: stype, flags: f.wide(L.shFlags), offset, size });
  }
  const names = nameTable(src, raw[shstrndx]);
  const sections = raw.map(({ nameOff, ...s }) => ({ ...s, name: names ? sectionName(names, nameOff) : '' }));
  return { class: cls, endian, type, machine, sections };
}

function nameTable(src: ElfSource, sec: { offset: number; size: number } | undefined): Buffer | undefined {
  if (!sec) return undefined;
  if (sec.size > MAX_SHSTRTAB) badElf('ELF section name table is too large');
  return src.read(sec.offset, sec.size);
}

function sectionName(strtab: Buffer, off: number): string {
  if (off >= strtab.length) badElf('ELF section name offset out of range');
  const end = strtab.indexOf(0, off);
  if (end < 0) badElf('ELF section name is not terminated');
  return strtab.toString('latin1', off, end);
}

export function badElf(message: string): never {
  throw new SurfhiveError('BAD_ELF', message);
}
