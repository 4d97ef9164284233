import type { FastifyInstance } from 'fastify';
import { SurfhiveError } from '../../errors/codes.js';
import type { IngestJobData, IngestResult } from '../../ingest/run.js';
import type { JobQueue } from '../../queue/types.js';
import { errorResponses } from './schemas.js';

const ID_PATTERN = '^ingest-(x86_64|aarch64)-[a-z][a-z0-9_-]{0,31}-[0-9][A-Za-z0-9._+~-]{0,127}$';

/**
 * `GET /provision/:id`: how an on-demand ingest goes, for the client that was told to wait
 * (no token: state and phase only, never the log or the mirror).
 */
export async function provisionRoutes(
  app: FastifyInstance,
  deps: { queue: JobQueue<IngestJobData, IngestResult> },
): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/provision/:id',
    {
      schema: {
        summary: 'State of the ingest preparing a missing kernel',
        operationId: 'getProvision',
        tags: ['ingest'],
        params: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', pattern: ID_PATTERN, examples: ['ingest-x86_64-debian-6.1.0-56-amd64'] },
          },
        },
        response: {
          200: {
            description: 'The state and phase of the ingest (no log, no mirror: this route takes no token)',
            examples: [
              { id: 'ingest-x86_64-debian-6.1.0-56-amd64', status: 'active', phase: 'download', percent: 42 },
            ],
            type: 'object',
            required: ['id', 'status'],
            properties: {
              id: { type: 'string' },
              status: { type: 'string', enum: ['waiting', 'active', 'completed', 'failed', 'unknown'] },
              phase: { type: 'string' },
              percent: { type: 'number' },
              kernel: {
                type: 'object',
                properties: {
                  arch: { type: 'string' },
                  release: { type: 'string' },
                  ver: { type: 'string' },
                },
              },
            },
          },
          ...errorResponses(404, 503),
        },
      },
    },
    async (request) => {
      let state: Awaited<ReturnType<typeof deps.queue.get>>;
      try {
        state = await deps.queue.get(request.params.id);
      } catch (err) {
        throw new SurfhiveError('UNAVAILABLE', 'the job queue is unavailable', { cause: err });
      }
      if (!state) throw new SurfhiveError('JOB_NOT_FOUND', 'no such job');
      const p =
        typeof state.progress === 'object' ? (state.progress as { phase?: string; percent?: number }) : {};
      return {
        id: state.id,
        status: state.status,
        ...(p.phase ? { phase: p.phase } : {}),
        ...(typeof p.percent === 'number' ? { percent: p.percent } : {}),
        ...(state.result ? { kernel: state.result.kernel } : {}),
      };
    },
  );
}
