import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { HiveRegistry } from '../../hive/registry.js';
import type { KernelLookup } from '../../lookup/kernel-lookup.js';
import type { Metrics } from '../metrics.js';
import { answerOne } from './dispatch.js';
import { lbcFailure, lbcSuccess } from './envelope.js';
import type { LbcCommandTable, LbcContext } from './types.js';

/** Clients send one object per body; a few more are allowed, not hundreds. */
export const MAX_LBC_ITEMS = 16;

const ANSWER_TOO_LARGE = Buffer.from(
  JSON.stringify({ log: 'the answer would be too large; send fewer request objects per request.' }),
);

export interface LbcRouteOptions {
  commands: LbcCommandTable;
  lookup: KernelLookup;
  registry: HiveRegistry;
  metrics: Metrics;
  bodyLimit: number;
  /** Largest answer body; items past it are answered with a short refusal instead. */
  answerMaxBytes: number;
}

function parseItems(body: unknown): unknown[] | string {
  if (!Buffer.isBuffer(body) || body.length === 0)
    return 'request body must be a JSON array of request objects.';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return 'request body is not valid JSON; send a JSON array of request objects.';
  }
  if (!Array.isArray(parsed)) return 'request body must be a JSON array of request objects.';
  if (parsed.length > MAX_LBC_ITEMS) return `too many request objects (at most ${MAX_LBC_ITEMS}).`;
  return parsed;
}

/** `POST /lbc`: the legacy protocol. Any content type (old clients send none), raw body, no schema work. */
export async function lbcRoutes(app: FastifyInstance, opts: LbcRouteOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (_req, body, done) =>
    done(null, body),
  );
  app.post(
    '/lbc',
    {
      config: { lbc: true },
      bodyLimit: opts.bodyLimit,
      schema: {
        summary: 'Legacy lookup/compile protocol (surftrace, pylcc, clcc)',
        description:
          'Body: a JSON array of request objects ({cmd, ver, arch, ...}). Answer: ' +
          '{"result","status","code","res":[...]} with one result object (carrying `log`) per request object.',
        tags: ['legacy'],
      },
    },
    async (request, reply) => {
      reply.type('application/json');
      const items = parseItems(request.body);
      if (typeof items === 'string') {
        opts.metrics.lbcDone('invalid', false, 0);
        return reply.send(lbcFailure(items));
      }
      let controller: AbortController | undefined;
      let room = opts.answerMaxBytes;
      const ctx: LbcContext = {
        answerRoom: () => room,
        lookup: opts.lookup,
        registry: opts.registry,
        log: request.log,
        get signal() {
          if (!controller) {
            const c = new AbortController();
            controller = c;
            reply.raw.once('close', () => {
              if (!reply.raw.writableFinished) c.abort();
            });
          }
          return controller.signal;
        },
      };
      const bodies: Buffer[] = [];
      for (const item of items) {
        const t0 = performance.now();
        const out = await answerOne(item, opts.commands, ctx);
        opts.metrics.lbcDone(out.cmd, out.ok, (performance.now() - t0) / 1000);
        const body = out.body.length + 1 <= room ? out.body : ANSWER_TOO_LARGE;
        room -= body.length + 1;
        bodies.push(body);
      }
      return reply.send(lbcSuccess(bodies));
    },
  );
}
