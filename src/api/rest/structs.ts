import type { FastifyInstance } from 'fastify';
import { SurfhiveError } from '../../errors/codes.js';
import { MEMBER_PATH_PATTERN, resolveMemberPath } from '../../lookup/member-path.js';
import { structAll, structAnswer, structByTag, structLike } from '../../lookup/queries.js';
import type { RestDeps } from './deps.js';
import {
  cellSchema,
  type KernelParams,
  kernelErrors,
  kernelParams,
  kernelParamsWith,
  LIKE_PATTERN,
  NAME_PATTERN,
  page,
  paging,
  searchPageOf,
  structSummarySchema,
} from './schemas.js';

const structName = {
  type: 'string',
  pattern: NAME_PATTERN,
  description: 'e.g. `struct task_struct`, `atomic_t`',
} as const;

/** Struct search, one layout, and where a member path lands. */
export async function structRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  app.get<{ Params: KernelParams; Querystring: { pattern?: string; limit: number; offset: number } }>(
    '/kernels/:arch/:ver/structs',
    {
      schema: {
        summary: 'Search structs and unions by name (SQL LIKE: `%` any run, `_` any one character)',
        tags: ['structs'],
        params: kernelParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { pattern: { type: 'string', pattern: LIKE_PATTERN }, ...paging },
        },
        response: { 200: searchPageOf(structSummarySchema), ...kernelErrors },
      },
    },
    async (request) => {
      const { arch, ver } = request.params;
      const { pattern, limit, offset } = request.query;
      const k = await deps.lookup.kernel(arch, ver);
      const rows = deps.lookup.query(k, (h) =>
        pattern === undefined ? structAll(h, limit + 1, offset) : structLike(h, pattern, limit + 1, offset),
      );
      return page(rows, offset, limit);
    },
  );

  app.get<{ Params: KernelParams & { name: string } }>(
    '/kernels/:arch/:ver/structs/:name',
    {
      schema: {
        summary: 'One struct layout (flattened members, as the legacy `struct` command)',
        tags: ['structs'],
        params: kernelParamsWith({ name: structName }),
        response: {
          200: {
            type: 'object',
            required: ['name', 'members', 'size', 'cell'],
            properties: { ...structSummarySchema.properties, cell: { type: 'array', items: cellSchema } },
          },
          ...kernelErrors,
        },
      },
    },
    async (request, reply) => {
      const { arch, ver, name } = request.params;
      const k = await deps.lookup.kernel(arch, ver);
      // Serialized once per database version (the fields are the schema's); a miss is not kept.
      const body = deps.lookup.cachedJson(k, `rest-struct\0${name}`, (h) => {
        const s = structAnswer(h, structByTag(h, name));
        if (!s) throw new SurfhiveError('STRUCT_NOT_FOUND', 'no such struct in this kernel');
        return s;
      });
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.get<{ Params: KernelParams & { name: string; path: string } }>(
    '/kernels/:arch/:ver/structs/:name/members/:path',
    {
      schema: {
        summary: 'Offset, type and size of a member path (`se.run_node.rb_left`, `comm[3]`)',
        description:
          'Array indices add index × element size and give the element type; a path may continue into ' +
          'a struct held by value (`pid_links[1].next`, `mm_users.counter`), never through a pointer.',
        tags: ['structs'],
        params: kernelParamsWith({
          name: structName,
          path: { type: 'string', pattern: MEMBER_PATH_PATTERN, maxLength: 512 },
        }),
        response: {
          200: {
            type: 'object',
            required: ['struct', 'path', 'member', 'type', 'offset', 'size', 'bits'],
            properties: {
              struct: { type: 'string' },
              path: { type: 'string' },
              member: { type: 'string', description: 'the member row the path ends in' },
              type: { type: 'string' },
              offset: { type: 'integer' },
              size: { type: 'integer' },
              bits: { type: 'string' },
            },
          },
          ...kernelErrors,
        },
      },
    },
    async (request) => {
      const { arch, ver, name, path } = request.params;
      const k = await deps.lookup.kernel(arch, ver);
      return deps.lookup.query(k, (h) => resolveMemberPath(h, structByTag(h, name)?.name ?? name, path));
    },
  );
}
