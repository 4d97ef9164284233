import type { FastifyInstance } from 'fastify';
import type { Arch } from '../../hive/names.js';
import { metaTable } from '../../lookup/queries.js';
import { artifactKinds, kernelSummary, type RestDeps } from './deps.js';
import {
  archSchema,
  artifactKindsSchema,
  errorResponses,
  kernelErrors,
  kernelParams,
  kernelSummarySchema,
  pageOf,
  paging,
  releaseSchema,
} from './schemas.js';

const DOWNLOADS: Partial<Record<string, string>> = { btf: 'btf', head: 'vmlinux.h', db: 'db' };

const conflictSchema = {
  type: 'object',
  required: ['arch', 'ver', 'releases', 'kinds'],
  properties: {
    arch: archSchema,
    ver: { type: 'string' },
    releases: { type: 'array', items: { type: 'string' } },
    kinds: artifactKindsSchema,
  },
} as const;

/** The kernel registry: list, one kernel, conflicts. */
export async function kernelRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  app.get<{
    Querystring: { arch?: Arch; release?: string; ver_prefix?: string; limit: number; offset: number };
  }>(
    '/kernels',
    {
      schema: {
        summary: 'List kernels',
        operationId: 'listKernels',
        tags: ['kernels'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            arch: archSchema,
            release: releaseSchema,
            ver_prefix: { type: 'string', pattern: '^[0-9A-Za-z._+~-]{1,128}$', examples: ['6.1'] },
            ...paging,
          },
        },
        response: {
          200: {
            ...pageOf(kernelSummarySchema),
            description: 'One page of the stored kernels, in arch and version order',
            examples: [
              {
                total: 1,
                offset: 0,
                limit: 50,
                items: [
                  {
                    arch: 'x86_64',
                    ver: '6.1.0-56-amd64',
                    release: 'debian',
                    releases: ['debian'],
                    artifacts: ['btf', 'head', 'db', 'funcs'],
                  },
                ],
              },
            ],
          },
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      await deps.registry.refreshIfChanged();
      const q = request.query;
      const all = deps.registry.list({ arch: q.arch, release: q.release, verPrefix: q.ver_prefix });
      return {
        total: all.length,
        offset: q.offset,
        limit: q.limit,
        items: all.slice(q.offset, q.offset + q.limit).map(kernelSummary),
      };
    },
  );

  app.get(
    '/conflicts',
    {
      schema: {
        summary: 'Kernels claimed by several releases with different files',
        operationId: 'listConflicts',
        tags: ['kernels'],
        response: {
          200: {
            description: 'Each conflict: the kernel, the releases that claim it, the artifacts that differ',
            examples: [
              {
                items: [
                  { arch: 'x86_64', ver: '6.1.0-56-amd64', releases: ['debian', 'local'], kinds: ['db'] },
                ],
              },
            ],
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: conflictSchema } },
          },
        },
      },
    },
    async () => {
      await deps.registry.refreshIfChanged();
      return { items: deps.registry.conflicts() };
    },
  );

  app.get<{ Params: { arch: Arch; ver: string } }>(
    '/kernels/:arch/:ver',
    {
      schema: {
        summary: "One kernel: its artifacts and its database's meta table",
        operationId: 'getKernel',
        tags: ['kernels'],
        params: kernelParams,
        response: {
          200: {
            description: 'The kernel, its downloadable artifacts and how its database was built',
            examples: [
              {
                arch: 'x86_64',
                ver: '6.1.0-56-amd64',
                release: 'debian',
                releases: ['debian'],
                artifacts: [
                  {
                    kind: 'db',
                    size: 12664832,
                    modified: '2026-11-29T15:26:04.000Z',
                    url: '/api/v1/kernels/x86_64/6.1.0-56-amd64/db',
                  },
                ],
                legacyDbUrl: '/db/x86_64/debian/info-6.1.0-56-amd64.db',
                meta: { arch: 'x86_64', release: 'debian', ver: '6.1.0-56-amd64', pahole: 'v1.24' },
              },
            ],
            type: 'object',
            required: ['arch', 'ver', 'release', 'releases', 'artifacts', 'meta'],
            properties: {
              arch: archSchema,
              ver: { type: 'string' },
              release: { type: 'string' },
              releases: { type: 'array', items: { type: 'string' } },
              artifacts: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['kind', 'size', 'modified'],
                  properties: {
                    kind: { type: 'string' },
                    size: { type: 'integer' },
                    modified: { type: 'string', format: 'date-time' },
                    url: { type: 'string' },
                  },
                },
              },
              legacyDbUrl: { type: 'string' },
              meta: { type: 'object', additionalProperties: { type: 'string' } },
            },
          },
          ...kernelErrors,
        },
      },
    },
    async (request) => {
      const { arch, ver } = request.params;
      const k = await deps.lookup.kernel(arch, ver);
      const base = `/api/v1/kernels/${arch}/${encodeURIComponent(ver)}`;
      const meta = k.artifacts.db ? deps.lookup.query(k, metaTable) : {};
      return {
        arch: k.arch,
        ver: k.ver,
        release: k.release,
        releases: k.releases,
        artifacts: artifactKinds(k).map((kind) => {
          const f = k.artifacts[kind]!;
          const dl = DOWNLOADS[kind];
          return {
            kind,
            size: f.size,
            modified: new Date(f.mtimeMs).toISOString(),
            ...(dl ? { url: `${base}/${dl}` } : {}),
          };
        }),
        ...(k.artifacts.db
          ? { legacyDbUrl: `/db/${arch}/${k.release}/info-${encodeURIComponent(ver)}.db` }
          : {}),
        meta,
      };
    },
  );
}
