import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToolOk } from '../../../src/sandbox/exec.js';
import { KFIXTURE_C } from '../../helpers/fixtures.js';

export const FIXTURE_C = KFIXTURE_C;

export const run = (cmd: string, args: string[], cwd?: string) =>
  runToolOk(cmd, args, { timeoutMs: 120_000, maxOutputBytes: 64 * 1024 * 1024, ...(cwd ? { cwd } : {}) });

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `surfhive-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Compiles C exactly as test/fixtures/kernel-like/README.md says (`-shared -fPIC`), or as an object with `-c`. */
export async function compileC(dir: string, src: string, out: string, mode: 'shared' | 'object' = 'shared') {
  const shape = mode === 'shared' ? ['-shared', '-fPIC'] : ['-c'];
  await run('gcc', ['-g', '-O0', '-fno-eliminate-unused-debug-types', ...shape, src, '-o', out], dir);
}

/** DWARF -> raw BTF with pahole, written detached (optionally split on a base BTF file). */
export async function paholeBtf(
  dir: string,
  obj: string,
  out: string,
  extra: string[] = [],
): Promise<Buffer> {
  await run('pahole', ['-J', ...extra, `--btf_encode_detached=${out}`, obj], dir);
  return readFileSync(join(dir, out));
}
