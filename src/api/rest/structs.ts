import type { FastifyInstance } from 'fastify';
import { MEMBER_PATH_PATTERN, resolveMemberPath } from '../../lookup/member-path.js';
import { structAll, structAnswer, structByTag, structLike } from '../../lookup/queries.js';
import type { RestDeps } from './deps.js';
import { structNotFound } from './not-found.js';
import {
  cellSchema,
  type KernelParams,
  kernelErrors,
  kernelParams,
  kernelParamsWith,
  page,
  paging,
  searchPageOf,
  searchPatternSchema,
  structNameSchema,
  structSummarySchema,
  toLike,
} from './schemas.js';

/** Struct search, one layout, and where a member path lands. */
export async function structRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  app.get<{ Params: KernelParams; Querystring: { pattern?: string; limit: number; offset: number } }>(
    '/kernels/:arch/:ver/structs',
    {
      schema: {
        summary: 'Search structs and unions by name (`*`/`%` any run, `?`/`_` any one character)',
        operationId: 'searchStructs',
        tags: ['structs'],
        params: kernelParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { pattern: searchPatternSchema('struct task*'), ...paging },
        },
        response: {
          200: {
            ...searchPageOf(structSummarySchema),
            description:
              'Matching structs and unions in database order; `more` tells whether a next page exists',
            examples: [
              {
                offset: 0,
                limit: 50,
                more: false,
                items: [{ name: 'struct task_struct', members: 558, size: 9792 }],
              },
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
      const rows = deps.lookup.query(k, (h) =>
        pattern === undefined
          ? structAll(h, limit + 1, offset)
          : structLike(h, toLike(pattern), limit + 1, offset),
      );
      return page(rows, offset, limit);
    },
  );

  app.get<{ Params: KernelParams & { name: string } }>(
    '/kernels/:arch/:ver/structs/:name',
    {
      schema: {
        summary: 'One struct layout (flattened members, as the legacy `struct` command)',
        operationId: 'getStruct',
        tags: ['structs'],
        params: kernelParamsWith({ name: structNameSchema }),
        response: {
          200: {
            description: 'Every member row with its type, offset, size and bitfield bits',
            examples: [
              {
                name: 'struct task_struct',
                members: 558,
                size: 9792,
                cell: [
                  { type: 'unsigned long', name: 'thread_info.flags', offset: 0, size: 8, bits: '' },
                  { type: 'pid_t', name: 'pid', offset: 2416, size: 4, bits: '' },
                  { type: 'char', name: 'comm[16]', offset: 2976, size: 16, bits: '' },
                ],
              },
            ],
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
        if (!s) throw structNotFound(name, k);
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
        operationId: 'locateMember',
        tags: ['structs'],
        params: kernelParamsWith({
          name: structNameSchema,
          path: { type: 'string', pattern: MEMBER_PATH_PATTERN, maxLength: 512, examples: ['comm[3]'] },
        }),
        response: {
          200: {
            description: 'Where the path lands: offset from the start of the struct, type and size',
            examples: [
              {
                struct: 'struct task_struct',
                path: 'comm[3]',
                member: 'comm[16]',
                type: 'char',
                offset: 2979,
                size: 1,
                bits: '',
              },
            ],
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
      return deps.lookup.query(k, (h) => {
        const s = structByTag(h, name);
        if (!s) throw structNotFound(name, k);
        return resolveMemberPath(h, s.name, path);
      });
    },
  );
}
