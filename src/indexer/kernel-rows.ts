import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../errors/codes.js';
import { parseBtf } from '../formats/btf/parse.js';
import { type DwarfFacts, funcsAndArrayDimsFromDwarf } from '../formats/dwarf/funcs.js';
import { extractBtfSectionFromFile, readElfSectionsFromFile } from '../formats/elf/file-sections.js';
import type { Arch } from '../hive/names.js';
import type { KernelRows } from '../kernel-db/rows.js';
import type { Logger } from '../log/logger.js';
import type { ToolUse } from '../sandbox/tool-use.js';
import type { InputKind } from './input-kind.js';
import { addModuleRows } from './module-rows.js';
import { rowsFromBtf } from './rows/from-btf.js';
import { encodeBtfFromDwarf } from './tools.js';

const MAX_RAW_BTF = 256 * 1024 * 1024;

export interface KernelRowsInput {
  input: string;
  kind: InputKind;
  arch: Arch;
  modulesDir?: string | undefined;
  workDir: string;
  logger: Logger;
  /** The process's runner (pahole, the DWARF helper, module decompressors) and the job's deadline. */
  tools: ToolUse;
}

/**
 * Rows and raw BTF of one kernel. Structs and types always come from BTF;
 * functions come from DWARF (with file and line) when the input has it, and
 * from BTF otherwise. DWARF also gives back the dimensions of
 * multi-dimensional array members, which BTF flattens.
 */
export async function kernelRowsFromInput(
  opts: KernelRowsInput,
): Promise<{ rows: KernelRows; rawBtf: Buffer }> {
  let rawBtf: Buffer;
  let dwarf: DwarfFacts | undefined;
  if (opts.kind === 'raw-btf') {
    if ((await stat(opts.input)).size > MAX_RAW_BTF)
      throw new SurfhiveError('BAD_BTF', 'the BTF file is too large');
    rawBtf = await readFile(opts.input);
  } else {
    const sections = await readElfSectionsFromFile(opts.input);
    const names = new Set(sections.map((s) => s.name));
    if (names.has('.BTF') && names.has('.debug_info')) {
      // The kernel's own BTF (its build ran pahole -J): the bytes the running kernel has in
      // /sys/kernel/btf/vmlinux and a debuginfod server serves as the section. Re-encoding
      // would give other bytes (another pahole, or its -j).
      [rawBtf, dwarf] = await Promise.all([
        extractBtfSectionFromFile(opts.input) as Promise<Buffer>,
        funcsAndArrayDimsFromDwarf(opts.input, { module: 'vm', tools: opts.tools }),
      ]);
    } else if (names.has('.debug_info')) {
      const btfFile = path.join(opts.workDir, 'vmlinux.btf');
      [rawBtf, dwarf] = await Promise.all([
        encodeBtfFromDwarf(opts.input, btfFile, undefined, opts.tools),
        funcsAndArrayDimsFromDwarf(opts.input, { module: 'vm', tools: opts.tools }),
      ]);
    } else if (names.has('.BTF')) {
      rawBtf = (await extractBtfSectionFromFile(opts.input))!;
    } else {
      throw new SurfhiveError(
        'BAD_INPUT_FILE',
        'the ELF input has neither DWARF debug info nor a .BTF section',
      );
    }
  }
  const btf = parseBtf(rawBtf);
  const rows = rowsFromBtf(btf, { module: 'vm', arrayDims: dwarf?.arrayDims ?? [] });
  if (dwarf) rows.funcs = dwarf.funcs;
  if (opts.modulesDir) {
    const baseFile = path.join(opts.workDir, 'base.btf');
    await writeFile(baseFile, rawBtf);
    await addModuleRows(rows, {
      modulesDir: opts.modulesDir,
      base: { btf, file: baseFile },
      workDir: opts.workDir,
      logger: opts.logger,
      tools: opts.tools,
    });
  }
  return { rows, rawBtf };
}
