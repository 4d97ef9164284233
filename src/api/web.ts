import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packageRoot } from '../util/package-root.js';

/** The UI's own client-side routes: each answers index.html, so links into the UI can be shared. */
export const WEB_UI_PATHS = [
  '/kernels',
  '/structs',
  '/diff',
  '/history',
  '/functions',
  '/compile',
  '/core',
] as const;

/** The API's own page: the UI renders `/api/v1/openapi.json` there, with a token field for Try it. */
export const API_DOCS_PATH = '/api/v1/docs';

export interface WebOptions {
  /** The built UI (default `<package>/dist/web`, made by `npm run build:web`). */
  root?: string;
  /** Serve the API page at API_DOCS_PATH (default true). */
  docs?: boolean;
}

/** Everything the UI loads comes from this server; nothing inline, nothing from elsewhere. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

function pageHeaders(reply: FastifyReply): void {
  reply.header('cache-control', 'no-cache');
  reply.header('content-security-policy', CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
}

/**
 * Serves the web UI at `/`: the built files (hashed assets cached for good,
 * index.html revalidated) and index.html for the UI's own paths. Other paths
 * are untouched: no wildcard route, so unknown URLs keep the API's 404.
 */
export async function webRoutes(app: FastifyInstance, opts: WebOptions = {}): Promise<void> {
  const root = opts.root ?? path.join(packageRoot(), 'dist', 'web');
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn('web UI not built (npm run build:web): / answers a short note');
    const note = async (_request: unknown, reply: FastifyReply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          'The surfhive web UI is not built on this server (npm run build:web). The API is at /api/v1, ' +
            'its OpenAPI document at /api/v1/openapi.json.\n',
        );
    app.get('/', { schema: { hide: true } }, note);
    if (opts.docs !== false) app.get(API_DOCS_PATH, { schema: { hide: true } }, note);
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: 'index.html',
    dotfiles: 'ignore',
    setHeaders: (reply, file) => {
      if (file.endsWith('.html')) pageHeaders(reply);
      else if (file.includes(`${path.sep}assets${path.sep}`)) {
        reply.header('cache-control', 'public, max-age=31536000, immutable');
        reply.header('x-content-type-options', 'nosniff');
      }
    },
  });
  for (const url of opts.docs === false ? WEB_UI_PATHS : [...WEB_UI_PATHS, API_DOCS_PATH]) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => {
      pageHeaders(reply);
      return reply.sendFile('index.html');
    });
  }
}
