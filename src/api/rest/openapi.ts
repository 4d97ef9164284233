import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { errorSchema } from './schemas.js';

/**
 * Collects every route's schema into an OpenAPI document. Must be registered
 * before the routes it documents.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'surfhive',
        version,
        description:
          'Kernel struct, type and function lookups (REST under /api/v1 and the legacy POST /lbc), ' +
          'artifact downloads. Errors: {statusCode, code: SURFHIVE_ERR_..., error, message}.',
      },
      components: { schemas: { Error: errorSchema as unknown as Record<string, unknown> } },
    },
  });
}

/** The JSON document and a docs page; swagger-ui's assets are served from the package, no CDN. */
export async function openApiRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/api/v1/docs', staticCSP: true });
}
