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

/** What one access line says about one answered request. */
export interface AccessEntry {
  reqId: string;
  method: string;
  /** The route pattern, or `unmatched`. */
  route: string;
  url: string;
  status: number;
  ms: number;
  client: string | undefined;
}

/**
 * The access log and the per-route HTTP metrics, for the Fastify hook and for
 * the /lbc remembered-reply path that answers before Fastify. One line at
 * `info`: `{reqId, method, route, url, status, ms, client, msg: "request"}`;
 * the logger's destination decides when it is written (`serve` writes
 * asynchronously, many lines per write).
 */
export class AccessLog {
  private readonly logger: Logger | undefined;

  constructor(
    private readonly metrics: Metrics,
    logger: Logger,
    enabled: boolean,
  ) {
    // The line holds no secret (headers and bodies stay out); pino's redaction would triple its cost.
    this.logger = enabled && logger.isLevelEnabled('info') ? logger.child({}, { redact: [] }) : undefined;
  }

  done(e: AccessEntry): void {
    this.metrics.httpDone(e.route, e.method, e.status, e.ms / 1000);
    if (!this.logger) return;
    const { url } = e;
    this.logger.info(
      {
        reqId: e.reqId,
        method: e.method,
        route: e.route,
        url: url.length > URL_MAX ? `${url.slice(0, URL_MAX)}…` : url,
        status: e.status,
        ms: Math.round(e.ms * 100) / 100,
        client: e.client,
      },
      'request',
    );
  }
}

/**
 * One hook for every route, 404s included: `surfhive_http_requests_total` and
 * the latency histogram by route pattern, and one access line at `info`.
 */
export function installRequestLog(app: FastifyInstance, access: AccessLog): void {
  app.addHook('onResponse', (request, reply, done) => {
    access.done({
      reqId: request.id,
      method: request.method,
      route: request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched'),
      url: request.url,
      status: reply.statusCode,
      ms: reply.elapsedTime,
      client: request.ip,
    });
    done();
  });
}
