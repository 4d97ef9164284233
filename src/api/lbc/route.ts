import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { HiveRegistry } from '../../hive/registry.js';
import type { KernelLookup } from '../../lookup/kernel-lookup.js';
import type { Metrics } from '../metrics.js';
import { answerOne } from './dispatch.js';
import { lbcFailure, lbcSuccess } from './envelope.js';
import { LbcReplyMemo } from './reply-memo.js';
import type { LbcCommandTable, LbcContext } from './types.js';

/** Clients send one object per body; a few more are allowed, not hundreds. */
export const MAX_LBC_ITEMS = 16;

export interface LbcRouteOptions {
  commands: LbcCommandTable;
  lookup: KernelLookup;
  registry: HiveRegistry;
  metrics: Metrics;
  bodyLimit: number;
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
  // Whole replies by body, for bodies answered entirely from the lookup answer cache.
  const replies = new LbcReplyMemo(opts.registry);
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
      const t0 = performance.now();
      const memo = Buffer.isBuffer(request.body) ? replies.get(request.body) : undefined;
      if (memo) {
        const seconds = (performance.now() - t0) / 1000;
        for (const cmd of memo.cmds) opts.metrics.lbcDone(cmd, true, seconds);
        return reply.send(memo.payload);
      }
      const scan = replies.currentScan;
      const items = parseItems(request.body);
      if (typeof items === 'string') {
        opts.metrics.lbcDone('invalid', false, 0);
        return reply.send(lbcFailure(items));
      }
      let controller: AbortController | undefined;
      const ctx: LbcContext = {
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
      const cmds: string[] = [];
      let memoable = true;
      for (const item of items) {
        const t0 = performance.now();
        const out = await answerOne(item, opts.commands, ctx);
        opts.metrics.lbcDone(out.cmd, out.ok, (performance.now() - t0) / 1000);
        bodies.push(out.body);
        cmds.push(out.cmd);
        memoable &&= out.ok && opts.lookup.isCurrentAnswer(out.body);
      }
      const payload = lbcSuccess(bodies);
      if (memoable) replies.set(request.body as Buffer, { payload, cmds }, scan);
      return reply.send(payload);
    },
  );
}
