import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../errors/codes.js';
import type { Arch } from '../hive/names.js';
import type { ToolRunner } from '../sandbox/exec.js';
import { CompileBudget, hitFileSizeLimit } from './compile-budget.js';
import type { LbcDescriptor } from './descriptor.js';
import { jobConfinement, SANDBOX_STATIC, scrubPaths } from './job-sandbox.js';
import { ARTIFACT_NAMES } from './outcome.js';
import { type LbcToolchain, lbcToolchain } from './toolchain.js';

const EMBED_OBJECT = 'embed-bpf.o';
const EMBED_DESCRIPTOR = 'descriptor.json';
const EMBED_ASM = 'embed.S';
const STATIC = SANDBOX_STATIC;

/**
 * libbpf and libelf built against this glibc reference fstat@2.33, fcntl64@2.28
 * and fmemopen@2.22; the runtime's glibc_compat.c provides __wrap_ versions so
 * the .so loads on targets with glibc 2.17.
 */
const WRAPPED = ['fstat', 'fcntl64', 'fmemopen'];

/** The symbols runtime/object.c reads: the BPF object bytes and the NUL-terminated descriptor. */
const embedAsm = () =>
  [
    '  .section .rodata.lbc,"a"',
    '  .balign 8',
    '  .globl lbc_embedded_obj',
    '  .hidden lbc_embedded_obj',
    'lbc_embedded_obj:',
    `  .incbin "${EMBED_OBJECT}"`,
    '  .globl lbc_embedded_obj_end',
    '  .hidden lbc_embedded_obj_end',
    'lbc_embedded_obj_end:',
    '  .byte 0',
    '  .balign 8',
    '  .globl lbc_embedded_desc',
    '  .hidden lbc_embedded_desc',
    'lbc_embedded_desc:',
    `  .incbin "${EMBED_DESCRIPTOR}"`,
    '  .byte 0',
    '  .section .note.GNU-stack,"",%progbits',
    '',
  ].join('\n');

export interface LinkInput {
  /** The BPF object (e.g. compileObject's result). */
  object: string;
  descriptor: LbcDescriptor;
  arch: Arch;
  jobDir: string;
  toolchain?: LbcToolchain;
  runner: ToolRunner;
  /** The job's deadline and limits (the link takes what is left). */
  budget?: CompileBudget;
}

export interface LinkResult {
  /** Host path of jobDir/lbc.so. */
  sharedObject: string;
  durationMs: number;
}

/**
 * Wraps a BPF object and its descriptor into the pylcc/clcc shared library:
 * the loader runtime plus static PIC libbpf, libelf and zlib, linked with
 * -shared, exporting only the ABI, needing nothing but libc on the target.
 */
export async function linkSharedObject(input: LinkInput): Promise<LinkResult> {
  const tc = input.toolchain ?? lbcToolchain(input.arch);
  const json = JSON.stringify(input.descriptor);
  await copyFile(input.object, path.join(input.jobDir, EMBED_OBJECT));
  await writeFile(path.join(input.jobDir, EMBED_DESCRIPTOR), json);
  await writeFile(path.join(input.jobDir, EMBED_ASM), embedAsm());
  const lib = (f: string) => `${STATIC}/${f}`;
  const args = [
    '-shared',
    '-fPIC',
    '-s',
    '-o',
    ARTIFACT_NAMES.so,
    EMBED_ASM,
    '-Wl,--whole-archive',
    lib('runtime/liblbcrt.a'),
    '-Wl,--no-whole-archive',
    lib('lib/libbpf.a'),
    lib('lib/libelf.a'),
    lib('lib/libz.a'),
    `-Wl,--version-script=${lib('runtime/exports.map')}`,
    `-Wl,${WRAPPED.map((s) => `--wrap=${s}`).join(',')}`,
    '-Wl,-z,noexecstack',
    '-Wl,--no-undefined',
    '-Wl,--build-id=none',
    '-static-libgcc',
  ];
  const budget = input.budget ?? new CompileBudget();
  const { runner } = input;
  const res = await runner.run(tc.cc, args, {
    confine: jobConfinement(input.jobDir, [{ source: tc.staticDir, dest: STATIC, toolchain: true }], tc.arch),
    timeoutMs: budget.remainingMs(),
    signal: budget.signal,
    maxOutputBytes: 256 * 1024,
    limits: budget.stepLimits(),
  });
  if (res.timedOut || budget.expired) throw budget.timedOut();
  if (hitFileSizeLimit(res)) throw budget.tooLarge('shared object');
  if (res.code !== 0) {
    const err = new SurfhiveError(
      'TOOL_FAILED',
      `linking the shared object failed (exit ${res.code ?? res.signal})`,
    );
    (err as SurfhiveError & { stderr?: string }).stderr = scrubPaths(res.stderr, [[input.jobDir, '.']]);
    throw err;
  }
  return { sharedObject: path.join(input.jobDir, ARTIFACT_NAMES.so), durationMs: res.durationMs };
}
