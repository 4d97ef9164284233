import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
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

/**
 * Per-client request budgets in two groups, lookups and compile submissions,
 * keyed by client address. Past its budget a client gets 429 with Retry-After
 * (the error handler writes the header; /lbc keeps its envelope).
 */
export async function installRateLimits(app: FastifyInstance, s: RateLimitSettings): Promise<void> {
  if (s.lookupMax === 0 && s.compileMax === 0 && s.koMax === 0) return;
  await app.register(rateLimit, { global: false, timeWindow: s.windowMs });
  const limiter = (group: string, max: number) => {
    if (max === 0) return undefined;
    const check = app.createRateLimit({
      max,
      timeWindow: s.windowMs,
      keyGenerator: (request) => `${group}:${request.ip}`,
    });
    return async (request: FastifyRequest) => {
      const r = await check(request);
      if (!r.isAllowed && r.isExceeded)
        throw retryLater(
          'RATE_LIMITED',
          `too many ${group} requests from this client; retry later`,
          r.ttlInSeconds,
        );
    };
  };
  const lookups = limiter('lookup', s.lookupMax);
  const compiles = limiter('compile', s.compileMax);
  const kos = limiter('ko', s.koMax);

  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url ?? request.url.split('?')[0]!;
    if (isExempt(url)) return;
    if (url === COMPILE_SUBMIT && request.method === 'POST') await compiles?.(request);
    else await lookups?.(request);
  });
  if (compiles || kos) {
    // Each /lbc object counts, once parsed: sixteen compiles in one body are sixteen compiles.
    app.addHook('preHandler', async (request) => {
      if (!request.routeOptions.config?.lbc) return;
      for (const cmd of lbcCommandsOf(request.body)) {
        if (LBC_COMPILES.has(cmd)) await compiles?.(request);
        else if (cmd === 'ko') await kos?.(request);
      }
    });
  }
}
