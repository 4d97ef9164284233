import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../log/logger.js';
import type { Metrics } from './metrics.js';

/** A caller's own request id is kept when it is short and plain. */
const CALLER_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** The longest URL an access line carries (the route pattern is always whole). */
const URL_MAX = 256;

/**
 * Fastify's `genReqId`: the `X-Request-Id` a caller (or its proxy) sent, when
 * it is safe to log, else `<prefix>-<n>` counted per app. The prefix (the pid
 * in a server process) keeps the ids of `serve --processes` workers apart.
 */
export function requestIds(prefix = `${process.pid.toString(36)}`): (req: IncomingMessage) => string {
  let next = 0;
  return (req) => {
    const given = req.headers['x-request-id'];
    if (typeof given === 'string' && CALLER_ID.test(given)) return given;
    next++;
    return `${prefix}-${next.toString(36)}`;
  };
}

export interface RequestLogOptions {
  metrics: Metrics;
  logger: Logger;
  /** Write the access line (SURFHIVE_ACCESS_LOG); metrics are counted either way. */
  accessLog: boolean;
}

/**
 * One hook for every route, 404s included: `surfhive_http_requests_total` and
 * the latency histogram by route pattern, and one access line at `info`:
 * `{reqId, method, route, url, status, ms, client, msg: "request"}`. Built from
 * what the request already holds; the logger's destination decides when the
 * line is written (`serve` writes asynchronously, many lines per write).
 */
export function installRequestLog(app: FastifyInstance, opts: RequestLogOptions): void {
  const { metrics } = opts;
  const log = opts.accessLog && opts.logger.isLevelEnabled('info');
  // The line holds no secret (headers and bodies stay out); pino's redaction would triple its cost.
  const logger = opts.logger.child({}, { redact: [] });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    const ms = reply.elapsedTime;
    metrics.httpDone(route, request.method, reply.statusCode, ms / 1000);
    if (log) {
      const url = request.url;
      logger.info(
        {
          reqId: request.id,
          method: request.method,
          route,
          url: url.length > URL_MAX ? `${url.slice(0, URL_MAX)}…` : url,
          status: reply.statusCode,
          ms: Math.round(ms * 100) / 100,
          client: request.ip,
        },
        'request',
      );
    }
    done();
  });
}
