import type { Config } from '../config/config.js';
import { recoverHive } from '../hive/publish.js';
import { HiveRegistry } from '../hive/registry.js';
import { buildLocalKernel } from '../indexer/local-kernel.js';
import type { Logger } from '../log/logger.js';
import type { ToolRunner } from '../sandbox/exec.js';

/** Rolls back publications a crash interrupted; before any server process reads the hive. */
export async function recoverHiveAtStart(config: Config, logger: Logger): Promise<void> {
  const recovered = await recoverHive(config.hive);
  if (recovered.rolledBack.length > 0)
    logger.warn({ kernels: recovered.rolledBack }, 'rolled back interrupted publications');
}

/**
 * The embedded default: an empty hive gets this machine's own kernel, so a
 * first `serve` answers for a real kernel. Without a registry (the cluster's
 * primary) the hive is scanned once here.
 */
export async function ensureFirstKernel(
  config: Config,
  logger: Logger,
  runner: ToolRunner,
  registry?: HiveRegistry,
): Promise<void> {
  if (!registry) {
    const own = new HiveRegistry(config.hive, { watch: false, pollMs: 0, logger });
    try {
      await own.start();
      await ensureFirstKernel(config, logger, runner, own);
    } finally {
      own.close();
    }
    return;
  }
  if (registry.list({}).length > 0) return;
  try {
    const result = await buildLocalKernel({ hive: config.hive, logger, tools: { runner } });
    logger.info({ kernel: result.key }, 'empty hive: published this machine’s kernel');
    await registry.refresh();
  } catch (err) {
    logger.warn(
      { err },
      'empty hive and this machine’s kernel could not be published; serving an empty hive',
    );
  }
}
