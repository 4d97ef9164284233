import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Arch } from '../../hive/names.js';
import { kernelCounts } from '../../lookup/queries.js';
import type { RestDeps } from './deps.js';
import { kernelErrors, kernelParams } from './schemas.js';

/** Row counts of one kernel's database (the web UI's kernel list shows them). */
export async function countRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  app.get<{ Params: { arch: Arch; ver: string } }>(
    '/kernels/:arch/:ver/counts',
    {
      schema: {
        summary: 'How many structs, functions and types the kernel database holds',
        operationId: 'countKernelRows',
        tags: ['kernels'],
        params: kernelParams,
        response: {
          200: {
            description: 'Row counts of the kernel database',
            examples: [{ structs: 8032, functions: 42300, types: 1858 }],
            type: 'object',
            required: ['structs', 'functions', 'types'],
            properties: {
              structs: { type: 'integer' },
              functions: { type: 'integer' },
              types: { type: 'integer' },
            },
          },
          ...kernelErrors,
        },
      },
    },
    async (request, reply: FastifyReply) => {
      const { arch, ver } = request.params;
      const k = await deps.lookup.kernel(arch, ver);
      const body = deps.lookup.cachedJson(k, 'counts', kernelCounts);
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );
}
