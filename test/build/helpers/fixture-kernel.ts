import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileC, FIXTURE_C } from './btf-tools.js';

/** kfixture.so built exactly as test/fixtures/kernel-like/README.md says, in `dir` (so DWARF names the file `kfixture.c`). */
export async function buildFixtureKernel(dir: string): Promise<string> {
  copyFileSync(FIXTURE_C, join(dir, 'kfixture.c'));
  await compileC(dir, 'kfixture.c', 'kfixture.so');
  return join(dir, 'kfixture.so');
}
