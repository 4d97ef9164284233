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

/** Every REST route group (HTTP metrics for every route: api/request-log.ts). */
export async function restRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
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
