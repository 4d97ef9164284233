import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBtf } from '../formats/btf/parse.js';
import { extractBtfSection } from '../formats/elf/section-data.js';
import type { ToolRunner } from '../sandbox/exec.js';
import type { CompileBudget } from './compile-budget.js';
import { ffiDeclarations } from './ffi-cdef.js';
import type { LbcMapDecl } from './lbc-maps.js';
import type { PchCache } from './pch-cache.js';
import { runBpfClangPreferPch } from './pch-run.js';
import type { LbcToolchain } from './toolchain.js';

/** Always declared, so clients can cast with them whatever the maps use. */
export const STANDARD_TYPES = ['u8', 's8', 'u16', 's16', 'u32', 's32', 'u64', 's64'];

const PROBE_SOURCE = 'ffi-probe.c';
const PROBE_OBJECT = 'ffi-probe.o';
const VAR_PREFIX = '__lbc_ffi_';

export interface FfiProbeInput {
  jobDir: string;
  toolchain: LbcToolchain;
  vmlinuxH: string;
  flags: readonly string[];
  maps: readonly LbcMapDecl[];
  /** The user's source; the probe compiles its own copy of it. */
  source: string;
  runner: ToolRunner;
  /** The job's deadline: every probe takes from it, and the first one past it ends the job. */
  budget: CompileBudget;
  /** Steps of the job running beside the probes. */
  share?: number;
  pch?: PchCache;
}

export interface FfiResult {
  ffi: string;
  /** The types (as written) that could be described; any other was left out. */
  described: string[];
}

/** The distinct key/value type strings of the maps, then the standard typedefs. */
export function ffiTypeNames(maps: readonly LbcMapDecl[]): string[] {
  const names = maps.flatMap((m) => [m.fktype, m.fvtype]).filter((s) => s !== '');
  return [...new Set([...names, ...STANDARD_TYPES])];
}

async function probe(input: FfiProbeInput, types: string[]): Promise<string | undefined> {
  const decls = types.map((t, i) => `__typeof__(${t}) ${VAR_PREFIX}${i};`);
  const text = `${input.source}\n${decls.join('\n')}\n`;
  await writeFile(path.join(input.jobDir, PROBE_SOURCE), text, { mode: 0o644 });
  const res = await runBpfClangPreferPch(
    {
      jobDir: input.jobDir,
      toolchain: input.toolchain,
      vmlinuxH: input.vmlinuxH,
      flags: [...input.flags, '-w'],
      input: PROBE_SOURCE,
      output: PROBE_OBJECT,
      runner: input.runner,
      budget: input.budget,
      share: input.share,
    },
    text,
    input.pch,
  );
  if (res.code !== 0) return undefined;
  const raw = extractBtfSection(await readFile(path.join(input.jobDir, PROBE_OBJECT)));
  if (!raw) return undefined;
  const btf = parseBtf(raw);
  const roots: number[] = [];
  for (let i = 0; i < types.length; i++) {
    const v = btf.types.find((t) => t.kind === 'var' && t.name === `${VAR_PREFIX}${i}`);
    if (v && v.kind === 'var') roots.push(v.type);
  }
  return ffiDeclarations(btf, roots);
}

/**
 * Declarations for cffi's cdef of every map key/value type, taken from the
 * BTF of a probe object: the user's source plus one global per type, built
 * with the same compiler and flags, so sizes and offsets are the compiler's.
 * (Types used only inside functions, like a perf event's struct, are not in
 * the real object's BTF.) If a type cannot be declared at file scope, the
 * others are still described.
 */
export async function describeTypesForFfi(input: FfiProbeInput): Promise<FfiResult> {
  const all = ffiTypeNames(input.maps);
  const whole = await probe(input, all);
  if (whole !== undefined) return { ffi: whole, described: all };
  const described: string[] = [];
  for (const t of all) if ((await probe(input, [t])) !== undefined) described.push(t);
  return { ffi: (await probe(input, described)) ?? '', described };
}
