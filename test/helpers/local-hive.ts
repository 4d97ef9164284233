import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '../../src/config/config.js';
import type { KernelKey } from '../../src/hive/layout.js';
import { buildLocalKernel } from '../../src/indexer/local-kernel.js';
import { createLogger } from '../../src/log/logger.js';
import { TOOLS } from './tools.js';

/** A temp hive holding this machine's own kernel, built by the real builder from /sys/kernel/btf/vmlinux. */
export async function localHive(overrides: Partial<Config> = {}): Promise<{
  hive: string;
  key: KernelKey;
  config: Config;
  cleanup: () => void;
}> {
  const hive = mkdtempSync(path.join(os.tmpdir(), 'surfhive-local-'));
  const { key } = await buildLocalKernel({ hive, logger: createLogger('silent'), tools: TOOLS });
  const config = loadConfig({}, { hive, logLevel: 'silent', ...overrides });
  return { hive, key, config, cleanup: () => rmSync(hive, { recursive: true, force: true }) };
}
