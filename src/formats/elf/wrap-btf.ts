import type { Arch } from '../../hive/names.js';
import { badBtf, parseHeader } from '../btf/header.js';
import { EM_OF_ARCH } from './machine.js';

const EHDR = 64;
const SHDR = 64;
const ET_REL = 1;
const SHT_PROGBITS = 1;
const SHT_STRTAB = 3;
const SHSTRTAB = Buffer.from('\0.BTF\0.shstrtab\0', 'latin1');
const NAME_BTF = 1;
const NAME_SHSTRTAB = 6;

const align = (n: number, to: number) => Math.ceil(n / to) * to;

/**
 * An ELF64 little-endian relocatable file whose only content is a `.BTF`
 * section (and its section-name table): the shape `bpftool btf dump file`
 * and libbpf's btf__parse_elf() read, as dbhive's `btf/` files had.
 */
export function wrapBtfInElf(raw: Buffer, arch: Arch): Buffer {
  const machine = EM_OF_ARCH[arch] as number | undefined;
  if (machine === undefined) throw new TypeError(`unsupported arch ${String(arch)}`);
  if (parseHeader(raw).endian !== 'little') badBtf(`big-endian BTF cannot describe an ${arch} kernel`);

  const btfOff = EHDR;
  const strOff = btfOff + raw.length;
  const shOff = align(strOff + SHSTRTAB.length, 8);
  const out = Buffer.alloc(shOff + 3 * SHDR);

  out.set([0x7f, 0x45, 0x4c, 0x46, 2 /* 64-bit */, 1 /* LE */, 1 /* version */], 0);
  out.writeUInt16LE(ET_REL, 16);
  out.writeUInt16LE(machine, 18);
  out.writeUInt32LE(1, 20); // e_version
  out.writeBigUInt64LE(BigInt(shOff), 40);
  out.writeUInt16LE(EHDR, 52); // e_ehsize
  out.writeUInt16LE(SHDR, 58); // e_shentsize
  out.writeUInt16LE(3, 60); // e_shnum
  out.writeUInt16LE(2, 62); // e_shstrndx

  raw.copy(out, btfOff);
  SHSTRTAB.copy(out, strOff);
  // Section 0 stays all zero (SHN_UNDEF).
  writeShdr(out, shOff + SHDR, NAME_BTF, SHT_PROGBITS, btfOff, raw.length, 4);
  writeShdr(out, shOff + 2 * SHDR, NAME_SHSTRTAB, SHT_STRTAB, strOff, SHSTRTAB.length, 1);
  return out;
}

function writeShdr(
  out: Buffer,
  at: number,
  name: number,
  type: number,
  off: number,
  size: number,
  al: number,
) {
  out.writeUInt32LE(name, at);
  out.writeUInt32LE(type, at + 4);
  out.writeBigUInt64LE(BigInt(off), at + 24);
  out.writeBigUInt64LE(BigInt(size), at + 32);
  out.writeBigUInt64LE(BigInt(al), at + 48);
}
