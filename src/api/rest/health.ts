import type { FastifyInstance } from 'fastify';
import type { RestDeps } from './deps.js';

const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' }, kernels: { type: 'integer' }, conflicts: { type: 'integer' } },
} as const;

/** Liveness, readiness (the hive was scanned) and Prometheus metrics. */
export async function healthRoutes(app: FastifyInstance, deps: RestDeps): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness',
        operationId: 'liveness',
        tags: ['ops'],
        response: {
          200: { ...statusSchema, description: 'The process answers', examples: [{ status: 'ok' }] },
        },
      },
    },
    async () => ({
      status: 'ok',
    }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: the hive has been scanned',
        operationId: 'readiness',
        tags: ['ops'],
        response: {
          200: {
            ...statusSchema,
            description: 'Ready: the hive was scanned',
            examples: [{ status: 'ready', kernels: 3, conflicts: 0 }],
          },
          503: {
            ...statusSchema,
            description: 'Still scanning the hive',
            examples: [{ status: 'starting' }],
          },
        },
      },
    },
    async (_request, reply) => {
      if (!deps.registry.ready) return reply.code(503).send({ status: 'starting' });
      return {
        status: 'ready',
        kernels: deps.registry.list().length,
        conflicts: deps.registry.conflicts().length,
      };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        operationId: 'metrics',
        tags: ['ops'],
        response: {
          200: {
            description: 'Prometheus text format',
            content: {
              'text/plain': {
                schema: { type: 'string' },
                example: 'surfhive_kernels 3\n',
              },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      const body = await deps.metrics.text();
      return reply.type(deps.metrics.registry.contentType).send(body);
    },
  );
}
