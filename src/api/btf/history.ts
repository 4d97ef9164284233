import type { FastifyInstance } from 'fastify';
import type { HistoryAnswers } from '../../history/answer-cache.js';
import { compareKernelVersions } from '../../history/kernel-version.js';
import type { LayoutCache } from '../../history/layouts.js';
import { memberHistory, structHistory } from '../../history/struct-history.js';
import type { Arch } from '../../hive/names.js';
import { MEMBER_PATH_PATTERN } from '../../lookup/member-path.js';
import { archSchema, cellSchema, errorResponses, releaseSchema, structNameParams } from '../rest/schemas.js';
import type { BtfDeps } from './deps.js';

/** Kernels one history request may look at: the work per request stays bounded. */
export const MAX_HISTORY_KERNELS = 2000;

const kernelRef = {
  type: 'object',
  required: ['arch', 'ver', 'release'],
  properties: { arch: { type: 'string' }, ver: { type: 'string' }, release: { type: 'string' } },
} as const;

const place = {
  type: 'object',
  required: ['state'],
  properties: {
    state: { type: 'string', enum: ['present', 'absent', 'no-struct'] },
    offset: { type: 'integer' },
    size: { type: 'integer' },
    type: { type: 'string' },
    bits: { type: 'string' },
    member: { type: 'string', description: 'the member row the path ends in' },
  },
} as const;

const run = {
  type: 'object',
  required: ['first', 'last', 'count', 'layout'],
  properties: {
    first: kernelRef,
    last: kernelRef,
    count: { type: 'integer' },
    layout: {
      anyOf: [place, { type: 'integer', description: 'index into layouts; -1: the struct is absent' }],
    },
  },
} as const;

const layout = {
  type: 'object',
  required: ['name', 'size', 'cells'],
  properties: {
    name: { type: 'string' },
    size: { type: 'integer' },
    cells: { type: 'array', items: cellSchema },
  },
} as const;

const rename = {
  type: 'object',
  required: ['from', 'to', 'type', 'offset', 'size', 'before', 'after'],
  properties: {
    from: { type: 'string' },
    to: { type: 'string' },
    type: { type: 'string' },
    offset: { type: 'integer' },
    size: { type: 'integer' },
    before: kernelRef,
    after: kernelRef,
  },
} as const;

const historyResponse = {
  type: 'object',
  required: ['struct', 'total', 'offset', 'limit', 'kernels', 'runs', 'renames'],
  properties: {
    struct: { type: 'string' },
    member: { type: 'string' },
    total: { type: 'integer', description: 'kernels matching the filter' },
    offset: { type: 'integer' },
    limit: { type: 'integer' },
    kernels: {
      type: 'array',
      items: {
        type: 'object',
        required: ['arch', 'ver', 'release', 'run'],
        properties: {
          ...kernelRef.properties,
          run: { type: 'integer', description: 'index into runs' },
          place,
          present: { type: 'boolean' },
          size: { type: 'integer' },
        },
      },
    },
    runs: { type: 'array', items: run },
    layouts: { type: 'array', items: layout },
    firstPresent: kernelRef,
    lastPresent: kernelRef,
    members: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'first', 'last', 'kernels'],
        properties: {
          name: { type: 'string' },
          first: kernelRef,
          last: kernelRef,
          kernels: { type: 'integer' },
        },
      },
    },
    renames: { type: 'array', items: rename },
  },
} as const;

/** A struct's (or one member's) layout across every stored kernel. */
export async function historyRoutes(
  app: FastifyInstance,
  deps: BtfDeps,
  cache: LayoutCache,
  answers: HistoryAnswers,
): Promise<void> {
  app.get<{
    Params: { name: string };
    Querystring: { member?: string; arch?: Arch; release?: string; limit: number; offset: number };
  }>(
    '/api/v1/structs/:name/history',
    {
      schema: {
        summary:
          "A struct's or member's layout in every kernel, as runs of identical layout, with likely renames",
        description:
          'Kernels are ordered by arch, then kernel version. Without `member`, each run carries the whole ' +
          'layout and `members` tells where each member first and last appears.',
        operationId: 'structHistory',
        tags: ['structs'],
        params: structNameParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            member: { type: 'string', pattern: MEMBER_PATH_PATTERN, maxLength: 512, examples: ['comm'] },
            arch: archSchema,
            release: releaseSchema,
            limit: { type: 'integer', minimum: 1, maximum: MAX_HISTORY_KERNELS, default: 1000 },
            offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
          },
        },
        response: {
          200: {
            ...historyResponse,
            description: 'Every matching kernel, grouped into runs where the layout stays the same',
            examples: [
              {
                struct: 'struct task_struct',
                member: 'comm',
                total: 2,
                offset: 0,
                limit: 1000,
                kernels: [
                  { arch: 'x86_64', ver: '6.1.0-47-cloud-amd64', release: 'debian', run: 0 },
                  { arch: 'x86_64', ver: '6.1.0-56-amd64', release: 'debian', run: 0 },
                ],
                runs: [
                  {
                    first: { arch: 'x86_64', ver: '6.1.0-47-cloud-amd64', release: 'debian' },
                    last: { arch: 'x86_64', ver: '6.1.0-56-amd64', release: 'debian' },
                    count: 2,
                    layout: {
                      state: 'present',
                      offset: 2976,
                      size: 16,
                      type: 'char [16]',
                      bits: '',
                      member: 'comm[16]',
                    },
                  },
                ],
                renames: [],
              },
            ],
          },
          ...errorResponses(400, 503),
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { member, arch, release, limit, offset } = request.query;
      await deps.registry.refreshIfChanged();
      const all = deps.registry
        .list({ arch, release })
        .filter((k) => k.artifacts.db)
        .sort(
          (a, b) =>
            (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0) ||
            compareKernelVersions(a.ver, b.ver) ||
            (a.release < b.release ? -1 : a.release > b.release ? 1 : 0),
        );
      reply.type('application/json; charset=utf-8');
      const key = answers.key({ name, member, arch, release, limit, offset }, all);
      const known = answers.get(key);
      if (known !== undefined) return known;
      const kernels = all.slice(offset, offset + limit);
      const page = { total: all.length, offset, limit };
      const json = String(
        reply.serialize(
          member === undefined
            ? { ...page, ...structHistory(cache, kernels, name) }
            : { ...page, ...memberHistory(cache, kernels, name, member) },
        ),
      );
      answers.set(key, json);
      return json;
    },
  );
}
