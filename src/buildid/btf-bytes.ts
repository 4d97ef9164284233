import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { SurfhiveError } from '../errors/codes.js';
import { SHF_COMPRESSED } from '../formats/elf/elf-file.js';
import { extractBtfSectionFromFile, readElfFile } from '../formats/elf/file-sections.js';
import type { KernelEntry } from '../hive/registry.js';
import { moduleBtfBytes } from '../kernel-db/module-btf.js';
import type { KernelLookup } from '../lookup/kernel-lookup.js';

/** Raw BTF ready to send: a range of the hive's BTF file, or a module's bytes from the database. */
export interface BtfBytes {
  size: number;
  /** What the bytes were taken from, as debuginfod's X-Debuginfod-File names it. */
  fileName: string;
  mtimeMs: number;
  open(): Readable | Buffer;
}

/** The kernel's raw `.BTF` (as pahole encoded it), without loading the file when it is stored uncompressed. */
export async function kernelBtf(k: KernelEntry): Promise<BtfBytes> {
  const file = k.artifacts.btf;
  if (!file) throw new SurfhiveError('ARTIFACT_NOT_FOUND', `kernel ${k.ver} has no BTF file`);
  const sec = (await readElfFile(file.path)).sections.find((s) => s.name === '.BTF');
  if (!sec) throw new SurfhiveError('UNAVAILABLE', `the BTF file of kernel ${k.ver} has no .BTF section`);
  const base = { fileName: `vmlinux-${k.ver}`, mtimeMs: file.mtimeMs };
  if ((sec.flags & SHF_COMPRESSED) !== 0n) {
    const data = (await extractBtfSectionFromFile(file.path))!;
    return { ...base, size: data.length, open: () => data };
  }
  return {
    ...base,
    size: sec.size,
    open: () => createReadStream(file.path, { start: sec.offset, end: sec.offset + sec.size - 1 }),
  };
}

/** One module's split BTF, kept in the kernel database at build time. */
export function moduleBtf(lookup: KernelLookup, k: KernelEntry, name: string): BtfBytes {
  const data = lookup.query(k, (h) => moduleBtfBytes(h.db, name));
  if (!data) throw new SurfhiveError('ARTIFACT_NOT_FOUND', `kernel ${k.ver} has no BTF for module ${name}`);
  return {
    size: data.length,
    fileName: `${name}.ko`,
    mtimeMs: k.artifacts.db?.mtimeMs ?? 0,
    open: () => data,
  };
}
