import { bufferSource, type ElfSource, readElfFrom } from './elf-file.js';
import { sectionData } from './section-data.js';

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
