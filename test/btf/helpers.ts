import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KernelKey } from '../../src/hive/layout.js';
import { buildKernel } from '../../src/indexer/pipeline.js';
import { createLogger } from '../../src/log/logger.js';
import { compileC, run } from '../build/helpers/btf-tools.js';
import { buildFixtureKernel } from '../build/helpers/fixture-kernel.js';
import { TOOLS } from '../helpers/tools.js';

export const logger = createLogger('silent');
export const FIXTURE_KEY: KernelKey = { arch: 'x86_64', release: 'debian', ver: '6.1.0-56-amd64' };

/** The GNU build id as binutils reads it: the independent oracle for ours. */
export async function readelfBuildId(file: string): Promise<string> {
  const { stdout } = await run('readelf', ['-n', file]);
  const m = /Build ID: ([0-9a-f]+)/.exec(stdout);
  if (!m) throw new Error(`no build id in ${file}`);
  return m[1]!;
}

/**
 * The fixture kernel (a shared object, so it has a build id) and one module
 * linked as the kernel links modules (`ld -r --build-id=sha1`), built into `hive`.
 */
export async function buildFixtureHive(dir: string, hive: string, key: KernelKey = FIXTURE_KEY) {
  const input = await buildFixtureKernel(dir);
  const mods = join(dir, 'mods');
  mkdirSync(mods, { recursive: true });
  copyFileSync(join(import.meta.dirname, '../build/fixtures/module.c'), join(dir, 'mod_thing.c'));
  await compileC(dir, 'mod_thing.c', 'mod_thing.o', 'object');
  const module = join(mods, 'mod_thing.ko');
  await run('ld', ['-r', '--build-id=sha1', join(dir, 'mod_thing.o'), '-o', module]);
  await buildKernel({
    hive,
    key,
    input,
    modulesDir: mods,
    keepVmlinux: false,
    force: false,
    logger,
    tools: TOOLS,
  });
  return { input, module };
}
