import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { ElfEndian } from '../formats/elf/elf-file.js';
import { readElfFile } from '../formats/elf/file-sections.js';
import { openElfSource } from './elf-source.js';

const SHT_NOTE = 7;
const NT_GNU_BUILD_ID = 3;
/** Note sections are small; a kernel's `.notes` is a few hundred bytes. */
const MAX_NOTES_BYTES = 1024 * 1024;
/** GNU build ids are 20 bytes (sha1) or 16 (md5); anything from 2 to 64 bytes is accepted. */
export const BUILD_ID_PATTERN = '^[0-9a-f]{4,128}$';
const BUILD_ID_RE = new RegExp(BUILD_ID_PATTERN);

export const isBuildId = (s: string): boolean => BUILD_ID_RE.test(s);

const align4 = (n: number) => (n + 3) & ~3;

/**
 * The GNU build id (lower-case hex) in a block of ELF notes, as an ELF note
 * section or `/sys/kernel/notes` holds them; undefined when there is none or
 * the block is malformed.
 */
export function gnuBuildIdFromNotes(buf: Buffer, endian: ElfEndian = 'little'): string | undefined {
  const le = endian === 'little';
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  let off = 0;
  while (off + 12 <= buf.length) {
    const namesz = u32(off);
    const descsz = u32(off + 4);
    const type = u32(off + 8);
    const nameAt = off + 12;
    const descAt = nameAt + align4(namesz);
    const next = descAt + align4(descsz);
    if (namesz > buf.length || descsz > buf.length || descAt + descsz > buf.length) return undefined;
    const name = buf.toString('latin1', nameAt, nameAt + namesz).replace(/\0+$/, '');
    if (name === 'GNU' && type === NT_GNU_BUILD_ID) {
      const id = buf.toString('hex', descAt, descAt + descsz);
      return isBuildId(id) ? id : undefined;
    }
    off = next;
  }
  return undefined;
}

/** The GNU build id of an ELF file on disk, reading only its headers and note sections. */
export async function buildIdOfElfFile(file: string): Promise<string | undefined> {
  const elf = await readElfFile(file);
  const notes = elf.sections.filter((s) => s.type === SHT_NOTE && s.size > 0 && s.size <= MAX_NOTES_BYTES);
  if (notes.length === 0) return undefined;
  return openElfSource(file, (src) => {
    for (const sec of notes) {
      const id = gnuBuildIdFromNotes(src.read(sec.offset, sec.size), elf.endian);
      if (id) return id;
    }
    return undefined;
  });
}

/** The running kernel's build id from `/sys/kernel/notes` (native byte order). */
export async function buildIdOfRunningKernel(notesFile = '/sys/kernel/notes'): Promise<string | undefined> {
  const buf = await readFile(notesFile).catch(() => undefined);
  if (!buf || buf.length > MAX_NOTES_BYTES) return undefined;
  return gnuBuildIdFromNotes(buf, os.endianness() === 'LE' ? 'little' : 'big');
}
