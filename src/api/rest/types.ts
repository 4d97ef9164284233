import type { FastifyInstance } from 'fastify';
import { typeByName, typeLike } from '../../lookup/queries.js';
import type { RestDeps } from './deps.js';
import { typeNotFound } from './not-found.js';
import {
  type KernelParams,
  kernelErrors,
  kernelParams,
  kernelParamsWith,
  NAME_PATTERN,
  page,
  paging,
  searchPageOf,
  searchPatternSchema,
  toLike,
  typeSchema,
} from './schemas.js';

/** Base types and typedefs: search and one type (`_` is the `void *` row). */
export async function typeRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  app.get<{ Params: KernelParams; Querystring: { pattern: string; limit: number; offset: number } }>(
    '/kernels/:arch/:ver/types',
    {
      schema: {
        summary: 'Search base types and typedefs by name (`*`/`%` any run, `?`/`_` any one character)',
        operationId: 'searchTypes',
        tags: ['types'],
        params: kernelParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { pattern: { ...searchPatternSchema('pid*'), default: '%' }, ...paging },
        },
        response: {
          200: {
            ...searchPageOf(typeSchema),
            description: 'Matching types in database order; `more` tells whether a next page exists',
            examples: [
              { offset: 0, limit: 50, more: false, items: [{ name: 'pid_t', type: 'int', size: 4 }] },
            ],
          },
          ...kernelErrors,
        },
      },
    },
    async (request) => {
      const { arch, ver } = request.params;
      const { pattern, limit, offset } = request.query;
      const k = await deps.lookup.kernel(arch, ver);
      return page(
        deps.lookup.query(k, (h) => typeLike(h, toLike(pattern), limit + 1, offset)),
        offset,
        limit,
      );
    },
  );

  app.get<{ Params: KernelParams & { name: string } }>(
    '/kernels/:arch/:ver/types/:name',
    {
      schema: {
        summary: 'One type: what it resolves to and its size (`_` = any pointer)',
        operationId: 'getType',
        tags: ['types'],
        params: kernelParamsWith({ name: { type: 'string', pattern: NAME_PATTERN, examples: ['pid_t'] } }),
        response: {
          200: {
            ...typeSchema,
            description: 'The type, what it is defined as, and its size in bytes',
            examples: [{ name: 'pid_t', type: 'int', size: 4 }],
          },
          ...kernelErrors,
        },
      },
    },
    async (request) => {
      const { arch, ver, name } = request.params;
      const k = await deps.lookup.kernel(arch, ver);
      const t = deps.lookup.query(k, (h) => typeByName(h, name));
      if (!t) throw typeNotFound(name, k);
      return t;
    },
  );
}
