import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { HiveRegistry } from '../../hive/registry.js';
import type { KernelLookup } from '../../lookup/kernel-lookup.js';
import type { DrainBudget } from '../drain-budget.js';
import { bodyTooLarge, type JsonShapeLimits, readJsonBody, scannedBody } from '../json-guard.js';
import type { Metrics } from '../metrics.js';
import { LBC_COMPILE_WAIT_MS } from './compile-commands.js';
import { answerOne } from './dispatch.js';
import { lbcFailure, lbcSuccess } from './envelope.js';
import { readBodyOf } from './fast-path.js';
import type { LbcReplyMemo, MemoReply } from './reply-memo.js';
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
  /** Largest body: a `ko` upload. */
  bodyLimit: number;
  /** Largest body of any other command. */
  smallBodyLimit: number;
  json: JsonShapeLimits;
  /** Bytes of refused bodies read per client. */
  drain: DrainBudget;
  /** Largest answer body; items past it are answered with a short refusal instead. */
  answerMaxBytes: number;
  /** Whole replies by body, for bodies answered entirely from the lookup answer cache (shared with the fast path). */
  replies: LbcReplyMemo;
}

/**
 * A /lbc body as its parser leaves it: a whole reply remembered for these
 * exact bytes, or else the JSON value (or why there is none); and its size.
 */
export interface LbcBody {
  /** The bytes as sent: the key of remembered whole replies. */
  raw: Buffer;
  /** The reply to send, found before any parsing (lookups answered from memory only). */
  memo?: MemoReply;
  parsed?: unknown;
  invalid?: string;
  bytes: number;
}

/** The `cmd` of each request object, as parsed (so `"\u006fbj"` is `obj`). */
export const lbcCommandsOf = (body: unknown): string[] => {
  const memo = (body as LbcBody | undefined)?.memo;
  if (memo) return memo.cmds;
  const parsed = (body as LbcBody | undefined)?.parsed;
  if (!Array.isArray(parsed)) return [];
  return parsed.map((item) =>
    item !== null && typeof item === 'object' && typeof (item as { cmd?: unknown }).cmd === 'string'
      ? ((item as { cmd: string }).cmd as string)
      : '',
  );
};

function parseItems(body: LbcBody | undefined, smallLimit: number): unknown[] | string {
  if (!body || body.bytes === 0) return 'request body must be a JSON array of request objects.';
  if (body.invalid !== undefined) return body.invalid;
  const parsed = body.parsed;
  if (!Array.isArray(parsed)) return 'request body must be a JSON array of request objects.';
  if (parsed.length > MAX_LBC_ITEMS) return `too many request objects (at most ${MAX_LBC_ITEMS}).`;
  // Only module uploads may be large.
  if (body.bytes > smallLimit && lbcCommandsOf(body).some((c) => c !== 'ko')) throw bodyTooLarge(smallLimit);
  return parsed;
}

/** `POST /lbc`: the legacy protocol. Any content type (old clients send none), raw body, no schema work. */
export async function lbcRoutes(app: FastifyInstance, opts: LbcRouteOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  // Any content type (old clients send none). The shape is checked while the body streams in; a
  // body that is not JSON still gets the protocol's own answer.
  const { replies } = opts;
  app.addContentTypeParser('*', (request, payload, done) => {
    const read = readBodyOf(request.raw);
    (read ? scannedBody(read, opts.json) : readJsonBody(payload, opts.bodyLimit, opts.json, opts.drain)).then(
      (raw) => {
        // A body read in front of Fastify was looked up there already.
        const body: LbcBody = { raw, bytes: raw.length, memo: read ? undefined : replies.get(raw) };
        if (body.memo) return done(null, body);
        try {
          if (raw.length > 0) body.parsed = JSON.parse(raw.toString('utf8'));
        } catch {
          body.invalid = 'request body is not valid JSON; send a JSON array of request objects.';
        }
        done(null, body);
      },
      (err: Error) => done(err, undefined),
    );
  });
  app.post(
    '/lbc',
    {
      config: { lbc: true },
      bodyLimit: opts.bodyLimit,
      schema: {
        summary: 'Legacy lookup/compile protocol (surftrace, pylcc, clcc)',
        description:
          'Body: a JSON array of request objects ({cmd, ver, arch, ...}), e.g. ' +
          '`[{"cmd":"type","arch":"x86_64","ver":"6.1.0-56-amd64","type":"pid_t"}]`. Answer: ' +
          '{"result","status","code","res":[...]} with one result object (carrying `log`) per request object.',
        operationId: 'legacyLbc',
        tags: ['legacy'],
        response: {
          200: {
            description:
              'Always 200 with the legacy envelope; a failed request object says so in its own result',
            content: {
              'application/json': {
                schema: { type: 'object', additionalProperties: true },
                example: {
                  result: 'success',
                  status: true,
                  code: 200,
                  res: [{ log: 'ok.', res: { name: 'pid_t', type: 'int', size: 4 } }],
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      reply.type('application/json');
      const lbcBody = request.body as LbcBody | undefined;
      const memo = lbcBody?.memo;
      if (memo) {
        for (const cmd of memo.cmds) opts.metrics.lbcDone(cmd, true, 0);
        return reply.send(memo.payload);
      }
      const scan = replies.currentScan;
      const items = parseItems(lbcBody, opts.smallBodyLimit);
      if (typeof items === 'string') {
        opts.metrics.lbcDone('invalid', false, 0);
        return reply.send(lbcFailure(items));
      }
      let controller: AbortController | undefined;
      let room = opts.answerMaxBytes;
      const ctx: LbcContext = {
        answerRoom: () => room,
        answerBy: performance.now() + LBC_COMPILE_WAIT_MS,
        authorization: request.headers.authorization,
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
        const body = out.body.length + 1 <= room ? out.body : ANSWER_TOO_LARGE;
        room -= body.length + 1;
        bodies.push(body);
        cmds.push(out.cmd);
        memoable &&= body === out.body && out.ok && opts.lookup.isCurrentAnswer(out.body);
      }
      const payload = lbcSuccess(bodies);
      if (memoable && lbcBody) replies.set(lbcBody.raw, { payload, cmds }, scan);
      return reply.send(payload);
    },
  );
}
