import type { IncomingMessage } from 'node:http';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LookupBudget } from './lbc/fast-path.js';
import { lbcCommandsOf } from './lbc/route.js';
import { retryLater } from './retry-after.js';

export interface RateLimitSettings {
  windowMs: number;
  /** Lookups (everything not exempt and not a compile submission) per client per window; 0 turns it off. */
  lookupMax: number;
  /** Compile submissions (REST POST /api/v1/compile, each /lbc `c`/`obj` object) per client per window; 0 turns it off. */
  compileMax: number;
  /** /lbc `ko` objects per client per window; 0 turns it off. */
  koMax: number;
}

/** Probes, metrics and token-protected routes are never limited: their callers are ours. */
const EXEMPT = ['/healthz', '/readyz', '/metrics', '/api/v1/internal/', '/api/v1/ingest'];

const COMPILE_SUBMIT = '/api/v1/compile';
const LBC_COMPILES = new Set(['c', 'obj']);

const isExempt = (url: string) =>
  EXEMPT.some((p) => url === p || (p.endsWith('/') && url.startsWith(p)) || url.startsWith(`${p}/`));

type LimitHook = (request: FastifyRequest) => Promise<void>;
type Verdict = Awaited<ReturnType<ReturnType<FastifyInstance['createRateLimit']>>>;

/** A lookup the /lbc remembered-reply path counted already: the route's hook takes its verdict. */
const COUNTED = Symbol('surfhive.lookupCounted');
type Counted = IncomingMessage & { [COUNTED]?: Verdict };

/** The hooks to add to one route, in the order they run. */
const withHook = <H>(existing: H | H[] | undefined, hook: H): H[] =>
  existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];

/**
 * Per-client request budgets in two groups, lookups and compile submissions,
 * keyed by client address. Past its budget a client gets 429 with Retry-After
 * (the error handler writes the header; /lbc keeps its envelope).
 *
 * Each route gets the hook of its group when the route is added, so a route
 * whose group is off (or exempt) runs no limiter code at all. Requests that
 * match no route count as lookups: the returned hook is the 404 handler's.
 */
export async function installRateLimits(
  app: FastifyInstance,
  s: RateLimitSettings,
): Promise<{ notFound?: LimitHook; lookupBudget?: LookupBudget }> {
  if (s.lookupMax === 0 && s.compileMax === 0 && s.koMax === 0) return {};
  await app.register(rateLimit, { global: false, timeWindow: s.windowMs });
  const over = (r: Verdict): r is Extract<Verdict, { isAllowed: false }> => !r.isAllowed && r.isExceeded;
  const limiter = (group: string, max: number) => {
    if (max === 0) return undefined;
    const check = app.createRateLimit({
      max,
      timeWindow: s.windowMs,
      keyGenerator: (request) => `${group}:${request.ip}`,
    });
    const hook: LimitHook = async (request) => {
      const r = (request.raw as Counted)[COUNTED] ?? (await check(request));
      if (over(r))
        throw retryLater(
          'RATE_LIMITED',
          `too many ${group} requests from this client; retry later`,
          r.ttlInSeconds,
        );
    };
    // Before Fastify there is no request object yet; the check reads only the address and route config.
    const budget: LookupBudget = async (raw) => {
      const r = await check({ ip: raw.socket.remoteAddress, routeOptions: { config: {} } } as FastifyRequest);
      (raw as Counted)[COUNTED] = r;
      return !over(r);
    };
    return { hook, budget };
  };
  const lookupLimits = limiter('lookup', s.lookupMax);
  const lookups = lookupLimits?.hook;
  const compiles = limiter('compile', s.compileMax)?.hook;
  const kos = limiter('ko', s.koMax)?.hook;

  // Each /lbc object counts, once parsed: sixteen compiles in one body are sixteen compiles.
  // A body of lookups only (every remembered reply) passes without a promise.
  const limited = (cmd: string) => (LBC_COMPILES.has(cmd) && compiles) || (cmd === 'ko' && kos);
  const lbcObjects = (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    const cmds = lbcCommandsOf(request.body);
    if (!cmds.some(limited)) return done();
    (async () => {
      for (const cmd of cmds) {
        if (LBC_COMPILES.has(cmd)) await compiles?.(request);
        else if (cmd === 'ko') await kos?.(request);
      }
    })().then(() => done(), done);
  };

  app.addHook('onRoute', (route) => {
    if (isExempt(route.url)) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const group = route.url === COMPILE_SUBMIT && methods.includes('POST') ? compiles : lookups;
    if (group) route.onRequest = withHook(route.onRequest, group);
    if ((compiles || kos) && (route.config as { lbc?: boolean } | undefined)?.lbc)
      route.preHandler = withHook(route.preHandler, lbcObjects);
  });
  return { notFound: lookups, lookupBudget: lookupLimits?.budget };
}
