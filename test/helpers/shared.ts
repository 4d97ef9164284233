import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/util/package-root.js';

/** The specs and fixtures folder that sits beside the checkout (`../shared`), or SURFHIVE_SHARED. */
export const SHARED_DIR = process.env.SURFHIVE_SHARED ?? path.join(packageRoot(), '..', 'shared');

export const sharedPath = (...parts: string[]) => path.join(SHARED_DIR, ...parts);

/** The source of the shared BPF fixture `fixtures/bpf/<name>.bpf.c`. */
export const bpfFixture = (name: string) => readFileSync(sharedPath('fixtures/bpf', `${name}.bpf.c`), 'utf8');
