import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { isSurfhiveError } from '../../../src/errors/codes.js';
import { runToolOk } from '../../../src/sandbox/exec.js';
import { packageRoot } from '../../../src/util/package-root.js';

/** Builds (or confirms up to date) out/native/* with the project's own script. */
export async function buildNative(): Promise<void> {
  const root = packageRoot();
  await runToolOk('sh', [join(root, 'scripts', 'build-native.sh')], { cwd: root, timeoutMs: 300_000 });
}

export const sh = (cmd: string, args: string[], cwd: string) =>
  runToolOk(cmd, args, { cwd, timeoutMs: 120_000, maxOutputBytes: 64 * 1024 * 1024 });

export function scratch(t: Test, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `surfhive-${prefix}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts that the promise rejects with a SurfhiveError of one of `kinds`. */
export async function rejectsKind(
  t: Test,
  p: Promise<unknown>,
  kinds: string[],
  what: string,
): Promise<void> {
  try {
    await p;
    t.fail(`${what}: accepted, expected ${kinds.join('/')}`);
  } catch (err) {
    if (isSurfhiveError(err) && kinds.includes(err.kind)) t.pass(`${what}: ${err.kind}: ${err.message}`);
    else t.fail(`${what}: threw ${String(err)} instead of ${kinds.join('/')}`);
  }
}
