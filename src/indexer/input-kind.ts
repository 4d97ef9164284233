import { open } from 'node:fs/promises';
import { SurfhiveError } from '../errors/codes.js';

export type InputKind = 'elf' | 'raw-btf';

/** Tells a debug ELF from a raw BTF blob by its magic; anything else is refused. */
export async function detectInputKind(file: string): Promise<InputKind> {
  let head: Buffer;
  try {
    const fh = await open(file, 'r');
    try {
      head = Buffer.alloc(4);
      const { bytesRead } = await fh.read(head, 0, 4, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    throw new SurfhiveError('BAD_INPUT_FILE', 'the input file cannot be read');
  }
  if (head.length === 4 && head.readUInt32BE(0) === 0x7f454c46) return 'elf';
  if (head.length >= 2 && (head.readUInt16LE(0) === 0xeb9f || head.readUInt16BE(0) === 0xeb9f))
    return 'raw-btf';
  throw new SurfhiveError('BAD_INPUT_FILE', 'the input is neither an ELF file nor raw BTF');
}
