import type { FastifyInstance } from 'fastify';
import { SurfhiveError } from '../../errors/codes.js';
import { hostArch } from '../../hive/layout.js';
import { type Arch, INGEST_ID_PATTERN, MIRROR_KEY_PATTERN } from '../../hive/names.js';
import { type Catalog, checkMirrorKeys } from '../../ingest/catalog.js';
import { checkIngestData, type IngestJobData, type IngestResult, ingestJobId } from '../../ingest/run.js';
import { type JobQueue, type JobState, queueCall } from '../../queue/types.js';
import { requireOperator } from '../auth.js';
import { archSchema, bearerSecurity, errorResponses, releaseSchema, verSchema } from './schemas.js';

export interface IngestRouteDeps {
  queue: JobQueue<IngestJobData, IngestResult>;
  operatorTokenHashes: readonly string[];
  /** The server's catalog: mirror keys naming no release or base are refused at submission. */
  catalog: Catalog;
}

interface IngestBody {
  release: string;
  version: string;
  arch?: Arch;
  mirrors?: Record<string, string>;
  force?: boolean;
  keepPackage?: boolean;
  modules?: boolean;
}

const errors = errorResponses(400, 401, 403, 404, 503);

const kernelKeySchema = {
  type: 'object',
  required: ['arch', 'release', 'ver'],
  properties: { arch: archSchema, release: { type: 'string' }, ver: { type: 'string' } },
} as const;

const jobSchema = {
  type: 'object',
  required: ['id', 'status', 'progress', 'log', 'attempts'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['waiting', 'active', 'completed', 'failed', 'unknown'] },
    progress: {
      type: 'object',
      properties: {
        phase: { type: 'string' },
        percent: { type: 'number' },
        downloaded: { type: 'integer' },
        extracted: { type: 'integer' },
        total: { type: 'integer' },
      },
    },
    log: { type: 'array', items: { type: 'string' } },
    attempts: { type: 'integer' },
    error: { type: 'string' },
    kernel: kernelKeySchema,
    published: { type: 'boolean' },
    timings: { type: 'object', additionalProperties: { type: 'integer' } },
  },
} as const;

const ingestQueue = <T>(fn: () => Promise<T>) => queueCall(fn, 'the job queue is unavailable');

function view(s: JobState<IngestResult>) {
  const progress = typeof s.progress === 'number' ? { percent: s.progress } : s.progress;
  return {
    id: s.id,
    status: s.status,
    progress,
    log: s.logs,
    attempts: s.attempts,
    ...(s.error ? { error: s.error } : {}),
    ...(s.result
      ? { kernel: s.result.kernel, published: s.result.published, timings: s.result.timings }
      : {}),
  };
}

/** `POST /ingest` queues an ingest (operator token); `GET /ingest/:id` tells how it goes. */
export async function ingestRoutes(app: FastifyInstance, deps: IngestRouteDeps): Promise<void> {
  const operator = requireOperator(deps.operatorTokenHashes);
  const { queue } = deps;

  app.post<{ Body: IngestBody }>(
    '/ingest',
    {
      preHandler: operator,
      schema: {
        summary: 'Ingest a distribution kernel: download its debuginfo package and publish it (operator)',
        operationId: 'submitIngest',
        tags: ['ingest'],
        security: bearerSecurity,
        body: {
          type: 'object',
          required: ['release', 'version'],
          additionalProperties: false,
          properties: {
            release: releaseSchema,
            version: verSchema,
            arch: archSchema,
            mirrors: {
              type: 'object',
              maxProperties: 16,
              patternProperties: {
                [MIRROR_KEY_PATTERN]: { type: 'string', maxLength: 2048 },
              },
              additionalProperties: false,
            },
            force: { type: 'boolean' },
            keepPackage: { type: 'boolean' },
            modules: { type: 'boolean' },
          },
          examples: [{ release: 'debian', version: '6.1.0-56-amd64', arch: 'x86_64' }],
        },
        response: {
          202: {
            description: 'Queued (or joined the job already queued for this kernel): poll GET /ingest/{id}',
            examples: [{ id: 'ingest-x86_64-debian-6.1.0-56-amd64', status: 'waiting' }],
            type: 'object',
            required: ['id', 'status'],
            properties: { id: { type: 'string' }, status: { type: 'string' } },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const data = checkIngestData({ ...b, arch: b.arch ?? hostArch() });
      checkMirrorKeys(data.mirrors ?? {}, deps.catalog, 'mirrors');
      const id = ingestJobId(data);
      const existing = await ingestQueue(() => queue.get(id));
      // One job per kernel: join a queued or running one; a finished success stays done unless forced.
      if (existing && (existing.status === 'waiting' || existing.status === 'active'))
        return reply.code(202).send({ id, status: existing.status });
      if (existing?.status === 'completed' && !data.force)
        return reply.code(202).send({ id, status: 'completed' });
      if (existing) await ingestQueue(() => queue.remove(id));
      await ingestQueue(() => queue.submit('ingest', data, { jobId: id, attempts: 3 }));
      return reply.code(202).send({ id, status: 'waiting' });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/ingest/:id',
    {
      preHandler: operator,
      schema: {
        summary: 'Status, progress and log of an ingest job (operator)',
        operationId: 'getIngest',
        tags: ['ingest'],
        security: bearerSecurity,
        params: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: {
            id: {
              type: 'string',
              pattern: INGEST_ID_PATTERN,
              examples: ['ingest-x86_64-debian-6.1.0-56-amd64'],
            },
          },
        },
        response: {
          200: {
            ...jobSchema,
            description: 'Where the job is: phase and progress, its log, and the kernel once published',
            examples: [
              {
                id: 'ingest-x86_64-debian-6.1.0-56-amd64',
                status: 'completed',
                progress: { phase: 'done', percent: 100 },
                log: [
                  'resolving debian 6.1.0-56-amd64 (x86_64)',
                  '6.1.0-56-amd64: linux-image-6.1.0-56-amd64-dbg_6.1.192-2_amd64.deb (860 MB) from https://deb.debian.org/debian/pool/main/l/linux/',
                  'x86_64/debian/6.1.0-56-amd64 is in the hive (8032 structs, 42300 functions)',
                ],
                attempts: 1,
                kernel: { arch: 'x86_64', release: 'debian', ver: '6.1.0-56-amd64' },
                published: true,
                timings: {
                  resolveMs: 1200,
                  downloadMs: 41200,
                  extractMs: 14100,
                  buildMs: 52300,
                  totalMs: 108800,
                },
              },
            ],
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const state = await ingestQueue(() => queue.get(request.params.id));
      if (!state) throw new SurfhiveError('JOB_NOT_FOUND', 'no such ingest job');
      return view(state);
    },
  );
}
