import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ElfSource } from '../formats/elf/elf-file.js';

/** Positioned reads of a file without loading it; ranges come from a header already checked against its size. */
export async function openElfSource<T>(file: string, use: (src: ElfSource) => T): Promise<T> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    return use({
      size,
      read(offset, length) {
        const buf = Buffer.alloc(length);
        const got = readSync(fh.fd, buf, 0, length, offset);
        return got === length ? buf : buf.subarray(0, got);
      },
    });
  } finally {
    await fh.close();
  }
}
