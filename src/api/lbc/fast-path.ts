import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Metrics } from '../metrics.js';
import type { AccessLog } from '../request-log.js';
import { type LbcReplyMemo, MEMO_BODY_MAX, type MemoReply } from './reply-memo.js';

/** The body the remembered-reply path already read, left on the request for the /lbc parser. */
const READ_BODY = Symbol('surfhive.lbcReadBody');
type WithReadBody = IncomingMessage & { [READ_BODY]?: Buffer };

export const readBodyOf = (req: IncomingMessage): Buffer | undefined => (req as WithReadBody)[READ_BODY];

/** Counts a lookup against its client's budget before Fastify sees the request (api/rate-limits.ts). */
export type LookupBudget = (req: IncomingMessage) => Promise<boolean>;

export interface LbcFastPathOptions {
  replies: LbcReplyMemo;
  metrics: Metrics;
  access: AccessLog;
  /** Fastify's `genReqId`, so that both paths count one sequence of ids. */
  requestId: (req: IncomingMessage) => string;
}

const noop = () => {};

/** The stream is spent: whatever Fastify answers, it reads the body from the request. */
function handOver(fastify: RequestListener, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  (req as WithReadBody)[READ_BODY] = body;
  fastify(req, res);
}

/**
 * The hot path of the legacy protocol: a `POST /lbc` whose exact body was
 * answered before, entirely from the lookup answer cache, gets that reply
 * straight from the HTTP server's request listener, before Fastify builds a
 * request, a reply and a logger for it. Answers, headers, metrics, access line
 * and lookup budget are the same as Fastify's path; any other request, and a
 * body not remembered, go on to Fastify (the body already read travels with
 * the request). The memo forgets everything at each registry rescan.
 */
export class LbcFastPath {
  private open = true;
  private budget: LookupBudget | undefined;

  constructor(private readonly opts: LbcFastPathOptions) {}

  /** Lookups are rate limited: each remembered answer counts too. */
  useLookupBudget(budget: LookupBudget | undefined): void {
    this.budget = budget;
  }

  /** The server is closing: Fastify answers what still comes (503). */
  stop(): void {
    this.open = false;
  }

  /** The HTTP server's request listener, in front of Fastify's. */
  listener(fastify: RequestListener): RequestListener {
    return (req, res) => {
      if (!this.open || req.method !== 'POST' || req.url !== '/lbc') return fastify(req, res);
      const length = Number(req.headers['content-length']);
      if (!(length > 0 && length <= MEMO_BODY_MAX)) return fastify(req, res);
      const start = performance.now();
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('error', noop);
      req.on('end', () => {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        const memo = this.opts.replies.get(body);
        if (!memo) return handOver(fastify, req, res, body);
        if (!this.budget) return this.answer(req, res, memo, start);
        this.budget(req).then(
          (within) => (within ? this.answer(req, res, memo, start) : handOver(fastify, req, res, body)),
          () => handOver(fastify, req, res, body),
        );
      });
    };
  }

  private answer(req: IncomingMessage, res: ServerResponse, memo: MemoReply, start: number): void {
    // An object (not a header list) lets Node take the headers as they are, without merging.
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': memo.payload.length });
    res.end(memo.payload);
    const { metrics, access } = this.opts;
    for (const cmd of memo.cmds) metrics.lbcDone(cmd, true, 0);
    access.done({
      reqId: this.opts.requestId(req),
      method: 'POST',
      route: '/lbc',
      url: '/lbc',
      status: 200,
      ms: performance.now() - start,
      client: req.socket.remoteAddress,
    });
  }
}
