import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

/**
 * Collects every route's schema into an OpenAPI document. Must be registered
 * before the routes it documents. Shared schemas (`Error`) keep their `$id` as
 * their component name, so every error response references one schema.
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
          'artifact downloads, compiles and ingest. Errors: {statusCode, code: SURFHIVE_ERR_..., error, message}.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An operator token (`surfhive token new`, its hash in SURFHIVE_OPERATOR_TOKEN_HASHES) for ingest and kernel ' +
              'uploads; with SURFHIVE_COMPILE_AUTH=token, a compile or operator token for compiles.',
          },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
}

/** The JSON document (the page that renders it is part of the web UI: `api/web.ts`). */
export async function openApiRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
