import type { FastifyInstance } from 'fastify';
import { ARCHES, checkArch, checkVer, VER_PATTERN } from '../../hive/names.js';
import { structAnswer, structByTag } from '../../lookup/queries.js';
import { diffStructs } from '../../lookup/struct-diff.js';
import type { RestDeps } from './deps.js';
import { structNotFound } from './not-found.js';
import { cellSchema, kernelErrors, structNameParams } from './schemas.js';

/** `ARCH/VER`, e.g. `x86_64/6.1.0-56-amd64`. */
const KERNEL_REF = `^(${ARCHES.join('|')})/${VER_PATTERN.slice(1)}`;

const STATUSES = ['same', 'moved', 'resized', 'retyped', 'added', 'removed'] as const;
const sideSchema = {
  type: 'object',
  required: ['arch', 'ver', 'size', 'members'],
  properties: {
    arch: { type: 'string' },
    ver: { type: 'string' },
    size: { type: 'integer' },
    members: { type: 'integer' },
  },
} as const;

const diffSchema = {
  type: 'object',
  required: ['name', 'a', 'b', 'summary', 'members'],
  properties: {
    name: { type: 'string' },
    a: sideSchema,
    b: sideSchema,
    summary: {
      type: 'object',
      required: [...STATUSES],
      properties: Object.fromEntries(STATUSES.map((s) => [s, { type: 'integer' }])),
    },
    members: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'status', 'changes'],
        properties: {
          name: { type: 'string' },
          status: { type: 'string', enum: [...STATUSES] },
          changes: { type: 'array', items: { type: 'string', enum: ['offset', 'size', 'type', 'bits'] } },
          a: cellSchema,
          b: cellSchema,
        },
      },
    },
  },
} as const;

function parseRef(ref: string) {
  const slash = ref.indexOf('/');
  return { arch: checkArch(ref.slice(0, slash)), ver: checkVer(ref.slice(slash + 1)) };
}

/** One struct's layout compared between two kernels. */
export async function diffRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  app.get<{ Params: { name: string }; Querystring: { a: string; b: string } }>(
    '/diff/structs/:name',
    {
      schema: {
        summary: 'Compare one struct between two kernels: members added, removed, moved, resized, retyped',
        operationId: 'diffStruct',
        description:
          'Members are paired by name (array dimensions ignored, so `comm[16]` → `comm[32]` is resized). ' +
          '`a` and `b` name kernels as ARCH/VER.',
        tags: ['structs'],
        params: structNameParams,
        querystring: {
          type: 'object',
          required: ['a', 'b'],
          additionalProperties: false,
          properties: {
            a: {
              type: 'string',
              pattern: KERNEL_REF,
              maxLength: 160,
              examples: ['x86_64/6.1.0-47-cloud-amd64'],
            },
            b: { type: 'string', pattern: KERNEL_REF, maxLength: 160, examples: ['x86_64/6.1.0-56-amd64'] },
          },
        },
        response: {
          200: {
            ...diffSchema,
            description: 'Both sizes, a count per status, and every member paired across the two kernels',
            examples: [
              {
                name: 'struct task_struct',
                a: { arch: 'x86_64', ver: '6.1.0-47-cloud-amd64', size: 9728, members: 547 },
                b: { arch: 'x86_64', ver: '6.1.0-56-amd64', size: 9792, members: 558 },
                summary: { same: 429, moved: 118, resized: 0, retyped: 0, added: 11, removed: 0 },
                members: [
                  {
                    name: 'in_execve',
                    status: 'moved',
                    changes: ['bits'],
                    a: { type: 'unsigned int', name: 'in_execve', offset: 2344, size: 4, bits: '1:1' },
                    b: { type: 'unsigned int', name: 'in_execve', offset: 2344, size: 4, bits: '2:1' },
                  },
                ],
              },
            ],
          },
          ...kernelErrors,
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      const refs = { a: parseRef(request.query.a), b: parseRef(request.query.b) };
      const layouts = [];
      for (const side of ['a', 'b'] as const) {
        const k = await deps.lookup.kernel(refs[side].arch, refs[side].ver);
        const s = deps.lookup.query(k, (h) => structAnswer(h, structByTag(h, name)));
        if (!s) throw structNotFound(name, k);
        layouts.push(s);
      }
      const d = diffStructs(layouts[0]!, layouts[1]!);
      return { ...d, a: { ...refs.a, ...d.a }, b: { ...refs.b, ...d.b } };
    },
  );
}
