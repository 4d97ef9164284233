import type { FastifyInstance } from 'fastify';
import { SurfhiveError } from '../../errors/index.js';
import type { Arch } from '../../hive/names.js';
import { typeByName, typeLike } from '../../lookup/queries.js';
import type { RestDeps } from './deps.js';
import {
  archSchema,
  kernelErrors,
  kernelParams,
  LIKE_PATTERN,
  NAME_PATTERN,
  page,
  paging,
  searchPageOf,
  typeSchema,
  verSchema,
} from './schemas.js';

type KernelP = { arch: Arch; ver: string };

/** Base types and typedefs: search and one type (`_` is the `void *` row). */
export async function typeRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  app.get<{ Params: KernelP; Querystring: { pattern: string; limit: number; offset: number } }>(
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

  app.get<{ Params: KernelP & { name: string } }>(
    '/kernels/:arch/:ver/types/:name',
    {
      schema: {
        summary: 'One type: what it resolves to and its size (`_` = any pointer)',
        tags: ['types'],
        params: {
          type: 'object',
          required: ['arch', 'ver', 'name'],
          additionalProperties: false,
          properties: { arch: archSchema, ver: verSchema, name: { type: 'string', pattern: NAME_PATTERN } },
        },
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
