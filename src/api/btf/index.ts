import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { BtfhubPacker } from '../../btfhub/packer.js';
import { DebuginfodFederation } from '../../buildid/federate.js';
import { BuildIdIndex } from '../../buildid/index.js';
import type { Config } from '../../config/config.js';
import { HistoryAnswers } from '../../history/answer-cache.js';
import { LayoutIndexKeeper } from '../../history/index-keeper.js';
import { LayoutCache } from '../../history/layouts.js';
import type { HiveRegistry } from '../../hive/registry.js';
import type { Logger } from '../../log/logger.js';
import type { KernelLookup } from '../../lookup/kernel-lookup.js';
import { btfhubRoutes } from './btfhub.js';
import { debuginfodRoutes } from './debuginfod.js';
import type { BtfDeps } from './deps.js';
import { historyRoutes } from './history.js';

/** BTF by build id (debuginfod), the BTFHub-shaped archive and member history. */
export async function btfRoutes(
  app: FastifyInstance,
  opts: { config: Config; registry: HiveRegistry; lookup: KernelLookup; logger: Logger },
): Promise<void> {
  const deps: BtfDeps = {
    lookup: opts.lookup,
    registry: opts.registry,
    buildIds: new BuildIdIndex(opts.registry),
    federation: new DebuginfodFederation(opts.config.debuginfodUpstreams, {
      timeoutMs: opts.config.debuginfodTimeoutMs,
      logger: opts.logger,
    }),
    packer: new BtfhubPacker(path.join(opts.config.hive, '.cache', 'btfhub')),
  };
  await debuginfodRoutes(app, deps);
  await btfhubRoutes(app, deps);
  const keeper = new LayoutIndexKeeper(opts.config.hive, opts.logger, opts.config.toolNice);
  app.addHook('onReady', async () => {
    // in the background: history reads kernel databases for what the index does not hold yet
    keeper
      .reconcile(opts.registry.list())
      .catch((err) => opts.logger.warn({ err }, 'layout index check failed'));
  });
  app.addHook('onClose', async () => keeper.close());
  await historyRoutes(app, deps, new LayoutCache(opts.lookup, keeper), new HistoryAnswers());
}
