import type { Test } from 'tap';
import { isSurfhiveError } from '../../../src/errors/codes.js';

/** Asserts that `fn` throws a SurfhiveError of this kind (and not any other exception). */
export function expectKind(t: Test, kind: 'BAD_BTF' | 'BAD_ELF', fn: () => unknown, what: string): void {
  try {
    fn();
    t.fail(`${what}: accepted, expected ${kind}`);
  } catch (err) {
    if (isSurfhiveError(err) && err.kind === kind) t.pass(`${what}: ${err.message}`);
    else t.fail(`${what}: threw ${String(err)} instead of ${kind}`);
  }
}
