import { checkModuleName } from '../../hive/names.js';
import type { FuncRow } from '../../kernel-db/rows.js';
import type { ToolUse } from '../../sandbox/tool-use.js';
import type { MemberArrayDims } from './array-dims.js';
import type { DwarfFunc } from './dwfuncs-output.js';
import { runDwfuncs } from './run-dwfuncs.js';
import { sortFuncRows } from './sort-funcs.js';

/** What one run over an ELF's DWARF gives the rows. */
export interface DwarfFacts {
  funcs: FuncRow[];
  arrayDims: MemberArrayDims[];
}

export interface DwarfReadOptions {
  /** `vm` for vmlinux, else the module name. */
  module: string;
  timeoutMs?: number;
  /** The runner and job deadline the helper runs under. */
  tools: ToolUse;
}

function funcRows(funcs: DwarfFunc[], module: string): FuncRow[] {
  return sortFuncRows(
    funcs.map((f) => ({
      func: f.name,
      args: f.args,
      ret: f.external ? f.ret : `static ${f.ret}`,
      line: f.line,
      file: f.file,
      module,
    })),
  );
}

/**
 * Function rows (`funs`) from the DWARF of one ELF file (vmlinux, or a .ko as
 * `module`). Runs the native dwfuncs helper (scripts/build-native.sh builds it).
 */
export async function funcsFromDwarf(elfPath: string, opts: DwarfReadOptions): Promise<FuncRow[]> {
  const module = checkModuleName(opts.module);
  return funcRows(
    (await runDwfuncs(elfPath, { arrays: false, timeoutMs: opts.timeoutMs, tools: opts.tools })).funcs,
    module,
  );
}

/**
 * Function rows and the multi-dimensional array members of structs/unions
 * (for `rowsFromBtf`'s `arrayDims`) from one run over the ELF's DWARF.
 */
export async function funcsAndArrayDimsFromDwarf(
  elfPath: string,
  opts: DwarfReadOptions,
): Promise<DwarfFacts> {
  const module = checkModuleName(opts.module);
  const listing = await runDwfuncs(elfPath, { arrays: true, timeoutMs: opts.timeoutMs, tools: opts.tools });
  return { funcs: funcRows(listing.funcs, module), arrayDims: listing.arrayDims };
}

/** Only the multi-dimensional array members (see funcsAndArrayDimsFromDwarf). */
export async function arrayDimsFromDwarf(
  elfPath: string,
  opts: { timeoutMs?: number; tools: ToolUse },
): Promise<MemberArrayDims[]> {
  return (await runDwfuncs(elfPath, { arrays: true, timeoutMs: opts.timeoutMs, tools: opts.tools }))
    .arrayDims;
}
