import type { FastifyInstance } from 'fastify';
import { SurfhiveError } from '../../errors/codes.js';
import { typeByName, typeLike } from '../../lookup/queries.js';
import type { RestDeps } from './deps.js';
import {
  type KernelParams,
  kernelErrors,
  kernelParams,
  kernelParamsWith,
  LIKE_PATTERN,
  NAME_PATTERN,
  page,
  paging,
  searchPageOf,
  typeSchema,
} from './schemas.js';

/** Base types and typedefs: search and one type (`_` is the `void *` row). */
export async function typeRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  app.get<{ Params: KernelParams; Querystring: { pattern: string; limit: number; offset: number } }>(
    '/kernels/:arch/:ver/types',
    {
      schema: {
        summary: 'Search base types and typedefs by name (SQL LIKE)',
        tags: ['types'],
        params: kernelParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { pattern: { type: 'string', pattern: LIKE_PATTERN, default: '%' }, ...paging },
        },
        response: { 200: searchPageOf(typeSchema), ...kernelErrors },
      },
    },
    async (request) => {
      const { arch, ver } = request.params;
      const { pattern, limit, offset } = request.query;
      const k = await deps.lookup.kernel(arch, ver);
      return page(
        deps.lookup.query(k, (h) => typeLike(h, pattern, limit + 1, offset)),
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
        tags: ['types'],
        params: kernelParamsWith({ name: { type: 'string', pattern: NAME_PATTERN } }),
        response: { 200: typeSchema, ...kernelErrors },
      },
    },
    async (request) => {
      const { arch, ver, name } = request.params;
      const k = await deps.lookup.kernel(arch, ver);
      const t = deps.lookup.query(k, (h) => typeByName(h, name));
      if (!t) throw new SurfhiveError('TYPE_NOT_FOUND', 'no such type in this kernel');
      return t;
    },
  );
}
