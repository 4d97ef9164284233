import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildIdOfElfFile } from '../buildid/elf-notes.js';
import { SurfhiveError } from '../errors/codes.js';
import { parseBtf } from '../formats/btf/parse.js';
import type { Btf } from '../formats/btf/types.js';
import { funcsAndArrayDimsFromDwarf } from '../formats/dwarf/funcs.js';
import { extractBtfSectionFromFile, readElfSectionsFromFile } from '../formats/elf/file-sections.js';
import type { KernelRows } from '../kernel-db/rows.js';
import type { Logger } from '../log/logger.js';
import type { ToolUse } from '../sandbox/tool-use.js';
import { findModules, type ModuleFile, prepareModule } from './modules/find.js';
import { rowsFromBtf } from './rows/from-btf.js';
import { encodeBtfFromDwarf } from './tools.js';

export interface BaseBtf {
  btf: Btf;
  /** The same BTF as a file, for pahole's --btf_base. */
  file: string;
}

/**
 * Rows of one kernel module. With a base (the kernel's BTF), the module's
 * types are encoded as split BTF on top of it, so that only what the module
 * itself defines becomes rows.
 */
export async function moduleRows(
  mod: { name: string; elfPath: string },
  base: BaseBtf | undefined,
  workDir: string,
  skipStructNames: Set<string>,
  tools: ToolUse,
  maxMemberVisits?: number,
): Promise<KernelRows> {
  const names = new Set((await readElfSectionsFromFile(mod.elfPath)).map((s) => s.name));
  const buildId = (await buildIdOfElfFile(mod.elfPath)) ?? '';
  if (names.has('.debug_info')) {
    const [raw, dwarf] = await Promise.all([
      encodeBtfFromDwarf(mod.elfPath, path.join(workDir, `${mod.name}.btf`), base?.file, tools),
      funcsAndArrayDimsFromDwarf(mod.elfPath, { module: mod.name, tools }),
    ]);
    const rows = rowsFromBtf(parseBtf(raw, base?.btf), {
      module: mod.name,
      skipStructNames,
      arrayDims: dwarf.arrayDims,
      maxMemberVisits,
    });
    rows.funcs = dwarf.funcs;
    rows.moduleBtf = [{ name: mod.name, buildId, btf: raw }];
    return rows;
  }
  if (names.has('.BTF')) {
    const raw = await extractBtfSectionFromFile(mod.elfPath);
    if (raw) {
      const rows = rowsFromBtf(parseBtf(raw, base?.btf), {
        module: mod.name,
        skipStructNames,
        maxMemberVisits,
      });
      rows.moduleBtf = [{ name: mod.name, buildId, btf: raw }];
      return rows;
    }
  }
  throw new SurfhiveError('BAD_INPUT_FILE', `module ${mod.name} has neither DWARF debug info nor BTF`);
}

/** Merges `more` into `rows`: structs and types already known keep the first definition (vmlinux wins). */
export function mergeRows(rows: KernelRows, more: KernelRows): void {
  const structNames = new Set(rows.structs.map((s) => s.name));
  const typeNames = new Set(rows.types.map((t) => t.name));
  for (const s of more.structs) if (!structNames.has(s.name)) rows.structs.push(s);
  for (const t of more.types) if (!typeNames.has(t.name)) rows.types.push(t);
  rows.funcs.push(...more.funcs);
  if (more.moduleBtf) rows.moduleBtf = [...(rows.moduleBtf ?? []), ...more.moduleBtf];
}

export async function addModuleRows(
  rows: KernelRows,
  opts: { modulesDir: string; base: BaseBtf; workDir: string; logger: Logger; tools: ToolUse },
): Promise<void> {
  const modWork = path.join(opts.workDir, 'modules');
  await mkdir(modWork, { recursive: true });
  const files: ModuleFile[] = await findModules(opts.modulesDir);
  for (const file of files) {
    const mod = await prepareModule(file, modWork, { tools: opts.tools });
    const skip = new Set(rows.structs.map((s) => s.name));
    mergeRows(rows, await moduleRows(mod, opts.base, modWork, skip, opts.tools));
    opts.logger.debug({ module: mod.name }, 'module added');
  }
}
