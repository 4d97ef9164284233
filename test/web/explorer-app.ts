import type { FastifyInstance } from 'fastify';
import { countRoutes } from '../../src/api/rest/counts.js';
import { diffRoutes } from '../../src/api/rest/diff.js';
import { webRoutes } from '../../src/api/web.js';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config/config.js';

/**
 * buildApp plus the explorer's routes (diff, counts, the UI) for as long as
 * buildApp does not register them itself; ready, not listening.
 */
export async function explorerApp(config: Config): Promise<FastifyInstance> {
  const app = await buildApp({ config, registryOptions: { pollMs: 0 } });
  const { lookup, registry, metrics } = app.surfhive;
  const deps = { lookup, registry, metrics };
  if (!app.hasRoute({ method: 'GET', url: '/api/v1/diff/structs/:name' }))
    await app.register(async (api) => diffRoutes(api, deps), { prefix: '/api/v1' });
  if (!app.hasRoute({ method: 'GET', url: '/api/v1/kernels/:arch/:ver/counts' }))
    await app.register(async (api) => countRoutes(api, deps), { prefix: '/api/v1' });
  if (!app.hasRoute({ method: 'GET', url: '/' })) await app.register(webRoutes);
  await app.ready();
  return app;
}
