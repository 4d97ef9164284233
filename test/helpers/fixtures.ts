import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/util/package-root.js';

/** The repository's own test fixtures (`test/fixtures`): tests read nothing outside the checkout. */
export const FIXTURES_DIR = path.join(packageRoot(), 'test', 'fixtures');

export const fixturePath = (...parts: string[]) => path.join(FIXTURES_DIR, ...parts);

/** The kernel-like C file and the rows gdb gives for it (scripts/gen-golden.py). */
export const KFIXTURE_C = fixturePath('kernel-like', 'kfixture.c');
export const GOLDEN_JSON = fixturePath('kernel-like', 'golden.json');

/** The source of the BPF fixture `test/fixtures/bpf/<name>.bpf.c`. */
export const bpfFixture = (name: string) => readFileSync(fixturePath('bpf', `${name}.bpf.c`), 'utf8');
