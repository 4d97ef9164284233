import type { FastifyInstance } from 'fastify';
import { type BuildAppOptions, buildApp } from '../../src/app.js';
import { goldenHive } from './golden-hive.js';

/** An app over a fresh golden hive; `close()` closes the app and removes the hive. */
export async function goldenApp(extra: Partial<BuildAppOptions> = {}) {
  const h = goldenHive();
  const app: FastifyInstance = await buildApp({
    config: h.config,
    registryOptions: { pollMs: 0 },
    ...extra,
  });
  await app.ready();
  return {
    ...h,
    app,
    close: async () => {
      await app.close();
      h.cleanup();
    },
  };
}

/** POST /lbc with a raw body string (or an object to serialize); returns status and parsed JSON. */
export async function lbc(app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const r = await app.inject({ method: 'POST', url: '/lbc', payload, headers });
  return { status: r.statusCode, json: r.json() as Record<string, unknown>, raw: r.body, headers: r.headers };
}

/** The single result object of a one-request /lbc call. */
export async function lbcOne(app: FastifyInstance, req: Record<string, unknown>) {
  const { json } = await lbc(app, [req]);
  return (json.res as Record<string, unknown>[])[0];
}
