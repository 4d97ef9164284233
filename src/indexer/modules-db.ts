import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../errors/codes.js';
import { parseBtf } from '../formats/btf/parse.js';
import { guessPointerSize } from '../formats/btf/sizes.js';
import { extractBtfSectionFromFile } from '../formats/elf/file-sections.js';
import { isModuleName } from '../hive/names.js';
import { writeKernelDb } from '../kernel-db/db-file.js';
import type { KernelRows } from '../kernel-db/rows.js';
import type { ToolUse } from '../sandbox/tool-use.js';
import { type BaseBtf, mergeRows, moduleRows } from './module-rows.js';
import { findModules, prepareModule } from './modules/find.js';

export const KO_LIMITS = { files: 32, bytes: 16 * 1024 * 1024 } as const;
const MODULE_SUFFIX = /\.ko(\.debug|\.xz|\.zst)?$/;

export interface UploadedModule {
  fileName: string;
  data: Buffer;
}

/** Checks an uploaded module's file name before it becomes a path: `name.ko[.debug|.xz|.zst]`, nothing else. */
export function checkUploadName(fileName: string): string {
  const stem = fileName.replace(MODULE_SUFFIX, '');
  if (stem === fileName || !isModuleName(stem)) {
    throw new SurfhiveError(
      'INVALID_FIELD',
      'module files must be named NAME.ko (or .ko.debug, .ko.xz, .ko.zst)',
    );
  }
  return fileName;
}

/**
 * A database (kernel-db schema) holding only the given modules' structs, types
 * and functions, as the `ko` command returns it. With the kernel's BTF as a
 * base, types the kernel already defines are left out.
 */
export interface ModulesDbOptions {
  workDir: string;
  kernelBtfFile?: string | undefined;
  /** The kernel's BTF already parsed (a long-lived builder parses it once per kernel). */
  base?: BaseBtf | undefined;
  /** The runner and deadline of pahole, the DWARF helper and decompressors. */
  tools: ToolUse;
  /** Member rows the modules may produce in all (an upload's budget). */
  maxMemberRows?: number;
  /** Largest decompressed module. Default 256 MiB. */
  maxModuleBytes?: number;
}

export async function buildModulesDb(uploads: UploadedModule[], opts: ModulesDbOptions): Promise<Buffer> {
  if (uploads.length === 0 || uploads.length > KO_LIMITS.files) {
    throw new SurfhiveError('INVALID_FIELD', `send between 1 and ${KO_LIMITS.files} module files`);
  }
  const total = uploads.reduce((n, u) => n + u.data.length, 0);
  if (total > KO_LIMITS.bytes) throw new SurfhiveError('BODY_TOO_LARGE', 'module files exceed 16 MiB in all');
  const inDir = path.join(opts.workDir, 'in');
  const work = path.join(opts.workDir, 'work');
  await mkdir(inDir, { recursive: true });
  await mkdir(work, { recursive: true });
  try {
    for (const u of uploads)
      await writeFile(path.join(inDir, checkUploadName(u.fileName)), u.data, { flag: 'wx' });
    const base = opts.base ?? (opts.kernelBtfFile ? await loadBase(opts.kernelBtfFile) : undefined);
    const rows: KernelRows = { structs: [], types: [], funcs: [] };
    let memberRows = 0;
    for (const file of await findModules(inDir)) {
      const mod = await prepareModule(file, work, {
        maxBytes: opts.maxModuleBytes ?? 256 * 1024 * 1024,
        tools: opts.tools,
      });
      const skip = new Set(rows.structs.map((s) => s.name));
      const left = opts.maxMemberRows === undefined ? undefined : opts.maxMemberRows - memberRows;
      const more = await moduleRows(mod, base, work, skip, opts.tools, left);
      memberRows += more.structs.reduce((n, s) => n + s.members.length, 0);
      if (opts.maxMemberRows !== undefined && memberRows > opts.maxMemberRows)
        throw new SurfhiveError(
          'BAD_INPUT_FILE',
          `the modules flatten to more than ${opts.maxMemberRows} member rows`,
        );
      mergeRows(rows, more);
    }
    const dbFile = path.join(opts.workDir, 'modules.db');
    // the `ko` answer carries rows only, not the modules' BTF
    writeKernelDb(dbFile, withVoidPointerFirst({ ...rows, moduleBtf: [] }, base), { kind: 'modules' });
    return await readFile(dbFile);
  } finally {
    await rm(opts.workDir, { recursive: true, force: true });
  }
}

/** The kernel's BTF as a split-BTF base, or undefined when the file holds none. */
export async function loadBase(btfFile: string): Promise<BaseBtf | undefined> {
  const raw = await extractBtfSectionFromFile(btfFile).catch(() => undefined);
  return raw ? { btf: parseBtf(raw), file: btfFile } : undefined;
}

/** Row 1 of `types` is `void *` in every database, including a modules-only one. */
function withVoidPointerFirst(rows: KernelRows, base: BaseBtf | undefined): KernelRows {
  if (rows.types[0]?.name === 'void *') return rows;
  const others = rows.types.filter((t) => t.name !== 'void *');
  const pointerBytes = base ? guessPointerSize(base.btf) : 8;
  return { ...rows, types: [{ name: 'void *', alias: 'void *', bytes: pointerBytes }, ...others] };
}
