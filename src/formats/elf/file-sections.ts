import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import {
  badElf,
  type ElfFile,
  type ElfSection,
  type ElfSource,
  readElfFrom,
  SHT_NOBITS,
} from './elf-file.js';
import { btfFrom, sectionData } from './section-data.js';

/**
 * Opens an ELF file for header reads without loading it: a debug vmlinux is
 * hundreds of MB and only its headers (and perhaps .BTF) are needed.
 */
async function withFileSource<T>(file: string, use: (src: ElfSource) => T): Promise<T> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const src: ElfSource = {
      size,
      read(offset, length) {
        const buf = Buffer.alloc(length);
        // A few small positioned reads per file: synchronous keeps the parser simple.
        if (readSync(fh.fd, buf, 0, length, offset) !== length) badElf('ELF file is truncated');
        return buf;
      },
    };
    return use(src);
  } finally {
    await fh.close();
  }
}

export function readElfFile(file: string): Promise<ElfFile> {
  return withFileSource(file, readElfFrom);
}

export async function readElfSectionsFromFile(file: string): Promise<readonly ElfSection[]> {
  return (await readElfFile(file)).sections;
}

/** `.BTF` of an ELF file on disk (decompressed if needed), reading only headers and that section. */
export function extractBtfSectionFromFile(file: string): Promise<Buffer | undefined> {
  return withFileSource(file, btfFrom);
}

/**
 * An ELF file's headers and the bytes of one section: undefined when the section is absent or
 * has no file bytes (SHT_NOBITS, as in split debug files). A larger section is refused.
 */
export function readSectionFromFile(
  file: string,
  name: string,
  maxBytes: number,
): Promise<{ elf: ElfFile; data: Buffer | undefined }> {
  return withFileSource(file, (src) => {
    const elf = readElfFrom(src);
    const sec = elf.sections.find((s) => s.name === name);
    if (!sec || sec.type === SHT_NOBITS) return { elf, data: undefined };
    if (sec.size > maxBytes) badElf(`section ${name} is too large`);
    return { elf, data: sectionData(src, elf, sec) };
  });
}
