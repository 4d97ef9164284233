export {
  bufferSource,
  type ElfClass,
  type ElfEndian,
  type ElfFile,
  type ElfSection,
  type ElfSource,
  readElf,
  readElfFrom,
} from './elf-file.js';
export { extractBtfSection, hasSection } from './extract-btf.js';
export { extractBtfSectionFromFile, readElfFile, readElfSectionsFromFile } from './file-sections.js';
export { type ElfMachine, EM_AARCH64, EM_X86_64, elfMachine, machineOf } from './machine.js';
export { MAX_SECTION_BYTES, sectionData } from './section-data.js';
export { wrapBtfInElf } from './wrap-btf.js';
