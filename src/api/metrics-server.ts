import Fastify, { type FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';

/**
 * /metrics alone, for a process that serves no API (`surfhive worker`): Prometheus scrapes
 * each worker for the compile jobs it ran. Listens on `host:port` (port 0: any free one).
 */
export async function serveMetrics(metrics: Metrics, host: string, port: number): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, return503OnClosing: true });
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics of this process',
        response: { 200: { description: 'Prometheus text format', type: 'string' } },
      },
    },
    async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.text()),
  );
  await app.listen({ host, port });
  return app;
}
