import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../../errors/codes.js';
import { checkModuleName } from '../../hive/names.js';

export type ModuleCompression = 'none' | 'xz' | 'zst';

export interface ModuleFile {
  /** Module name: the file name without its module suffix (`nf_nat` for `nf_nat.ko.zst`). */
  name: string;
  /** Absolute path of the file, inside the searched directory. */
  path: string;
  compression: ModuleCompression;
}

/** Recognised suffixes, most preferred first when one module comes in several forms. */
const SUFFIXES: { suffix: string; compression: ModuleCompression }[] = [
  { suffix: '.ko.debug', compression: 'none' },
  { suffix: '.ko', compression: 'none' },
  { suffix: '.ko.zst', compression: 'zst' },
  { suffix: '.ko.xz', compression: 'xz' },
];

const MAX_DEPTH = 32;
const MAX_ENTRIES = 500_000;

function moduleSuffix(fileName: string) {
  return SUFFIXES.findIndex((s) => fileName.endsWith(s.suffix));
}

const inside = (root: string, p: string) => p === root || p.startsWith(root + path.sep);

/**
 * Kernel module files (`.ko`, `.ko.debug`, `.ko.xz`, `.ko.zst`) under `dir`,
 * sorted by name, one per module name. Symlinks are followed only to regular
 * files inside `dir`; symlinked directories are not entered. A file whose
 * name is not a sane module name fails the whole search (INVALID_FIELD).
 */
export async function findModules(dir: string): Promise<ModuleFile[]> {
  let root: string;
  try {
    root = await realpath(dir);
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new SurfhiveError('BAD_INPUT_FILE', 'the modules directory cannot be read', { cause: err });
  }
  const best = new Map<string, { file: ModuleFile; rank: number }>();
  let entries = 0;

  const consider = (fileName: string, filePath: string) => {
    const rank = moduleSuffix(fileName);
    if (rank < 0) return;
    const { suffix, compression } = SUFFIXES[rank]!;
    const name = checkModuleName(fileName.slice(0, -suffix.length));
    const prev = best.get(name);
    if (!prev || rank < prev.rank) best.set(name, { file: { name, path: filePath, compression }, rank });
  };

  const walk = async (current: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) return;
    let list: Dirent[];
    try {
      list = await readdir(current, { withFileTypes: true });
    } catch (err) {
      throw new SurfhiveError('BAD_INPUT_FILE', 'a directory of the modules tree cannot be read', {
        cause: err,
      });
    }
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of list) {
      if (++entries > MAX_ENTRIES)
        throw new SurfhiveError('BAD_INPUT_FILE', 'the modules tree has too many files');
      const p = path.join(current, ent.name);
      if (ent.isDirectory()) await walk(p, depth + 1);
      else if (ent.isFile()) consider(ent.name, p);
      else if (ent.isSymbolicLink() && moduleSuffix(ent.name) >= 0) {
        const target = await realpath(p).catch(() => undefined);
        if (!target || !inside(root, target)) continue;
        if ((await stat(target).catch(() => undefined))?.isFile()) consider(ent.name, target);
      }
    }
  };
  await walk(root, 0);
  return [...best.values()]
    .map((b) => b.file)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export { prepareModule } from './prepare.js';
