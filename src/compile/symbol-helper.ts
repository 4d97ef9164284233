import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../errors/codes.js';
import { EM_OF_ARCH } from '../formats/elf/machine.js';
import { type Arch, isArch } from '../hive/names.js';
import { PromiseMemo } from '../util/memo.js';
import { packageRoot } from '../util/package-root.js';

/** The client's symbol helper (lbc `elf_so`), built per arch by scripts/build-native.sh. */
export const SYMBOL_HELPER_FILE = 'libsymhelper.so';

const MAX_BYTES = 16 * 1024 * 1024;

const cache = new PromiseMemo<string, Buffer>();

/** `out/native/<arch>/libsymhelper.so` of the package. */
export function symbolHelperPath(arch: Arch, nativeDir = path.join(packageRoot(), 'out', 'native')): string {
  if (!isArch(arch)) throw new SurfhiveError('INVALID_FIELD', 'unknown arch');
  return path.join(nativeDir, arch, SYMBOL_HELPER_FILE);
}

const unavailable = (arch: Arch, cause?: unknown) =>
  new SurfhiveError('UNAVAILABLE', `symbol helper for ${arch} is not available on this server.`, { cause });

/** A little-endian ELF64 shared object for that arch's machine, or throws. */
function checkLibrary(arch: Arch, data: Buffer): Buffer {
  const isElf = data.length >= 64 && data.readUInt32BE(0) === 0x7f454c46;
  const is64Le = isElf && data[4] === 2 && data[5] === 1;
  const isShared = is64Le && data.readUInt16LE(16) === 3;
  if (!isShared || data.readUInt16LE(18) !== EM_OF_ARCH[arch]) throw unavailable(arch);
  return data;
}

async function load(arch: Arch, file: string): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw unavailable(arch, err);
  }
  if (data.length > MAX_BYTES) throw unavailable(arch);
  return checkLibrary(arch, data);
}

/**
 * The symbol helper library for arch, read once and kept. A missing or wrong
 * file is a clear UNAVAILABLE error (not kept, so a later build is picked up).
 * `nativeDir` replaces out/native (tests).
 */
export function symbolHelperLibrary(arch: Arch, nativeDir?: string): Promise<Buffer> {
  const file = symbolHelperPath(arch, nativeDir);
  return cache.get(file, () => load(arch, file));
}
