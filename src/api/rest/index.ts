import type { FastifyInstance } from 'fastify';
import { countRoutes } from './counts.js';
import type { RestDeps } from './deps.js';
import { diffRoutes } from './diff.js';
import { downloadRoutes } from './downloads.js';
import { functionRoutes } from './functions.js';
import { healthRoutes } from './health.js';
import { kernelRoutes } from './kernels.js';
import { structRoutes } from './structs.js';
import { surftraceRoutes } from './surftrace.js';
import { typeRoutes } from './types.js';

export type { RestDeps } from './deps.js';

/** Every REST route group, with per-route HTTP metrics. */
export async function restRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.httpDone(
      request.routeOptions.url ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
  await app.register(
    async (api) => {
      await kernelRoutes(api, deps);
      await structRoutes(api, deps);
      await functionRoutes(api, deps);
      await typeRoutes(api, deps);
      await surftraceRoutes(api, deps);
      await diffRoutes(api, deps);
      await countRoutes(api, deps);
    },
    { prefix: '/api/v1' },
  );
  await downloadRoutes(app, deps);
  await healthRoutes(app, deps);
}
