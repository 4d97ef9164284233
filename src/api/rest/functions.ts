import type { FastifyInstance } from 'fastify';
import { SurfhiveError } from '../../errors/codes.js';
import { funcExact, funcSearch } from '../../lookup/queries.js';
import type { RestDeps } from './deps.js';
import {
  CTYPE_PATTERN,
  funcSchema,
  type KernelParams,
  kernelErrors,
  kernelParams,
  kernelParamsWith,
  LIKE_PATTERN,
  page,
  paging,
  searchPageOf,
} from './schemas.js';

/** Function search by name pattern, return type and argument type; one function's signatures. */
export async function functionRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  app.get<{
    Params: KernelParams;
    Querystring: { pattern?: string; ret?: string; arg?: string; limit: number; offset: number };
  }>(
    '/kernels/:arch/:ver/functions',
    {
      schema: {
        summary: 'Search functions',
        description:
          '`pattern`: SQL LIKE on the name. `ret`: return type (also matches `static <ret>`). ' +
          '`arg`: functions with an argument of exactly that type. Filters combine.',
        tags: ['functions'],
        params: kernelParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            pattern: { type: 'string', pattern: LIKE_PATTERN },
            ret: { type: 'string', pattern: CTYPE_PATTERN },
            arg: { type: 'string', pattern: CTYPE_PATTERN },
            ...paging,
          },
        },
        response: { 200: searchPageOf(funcSchema), ...kernelErrors },
      },
    },
    async (request) => {
      const { arch, ver } = request.params;
      const { pattern, ret, arg, limit, offset } = request.query;
      const k = await deps.lookup.kernel(arch, ver);
      const rows = deps.lookup.query(k, (h) =>
        funcSearch(h, { pattern, ret, arg, limit: limit + 1, offset }),
      );
      return page(rows, offset, limit);
    },
  );

  app.get<{ Params: KernelParams & { name: string } }>(
    '/kernels/:arch/:ver/functions/:name',
    {
      schema: {
        summary: "A function's signatures (several when static functions share the name)",
        tags: ['functions'],
        params: kernelParamsWith({ name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.]{0,127}$' } }),
        response: {
          200: {
            type: 'object',
            required: ['name', 'items'],
            properties: { name: { type: 'string' }, items: { type: 'array', items: funcSchema } },
          },
          ...kernelErrors,
        },
      },
    },
    async (request) => {
      const { arch, ver, name } = request.params;
      const k = await deps.lookup.kernel(arch, ver);
      const items = deps.lookup.query(k, (h) => funcExact(h, name));
      if (items.length === 0)
        throw new SurfhiveError('FUNCTION_NOT_FOUND', 'no such function in this kernel');
      return { name, items };
    },
  );
}
