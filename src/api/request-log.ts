import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
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
 * the logger's destination decides when it is written (`serve` writes many
 * lines per write).
 */
export class AccessLog {
  private readonly line: ((e: AccessEntry) => void) | undefined;

  constructor(
    private readonly metrics: Metrics,
    logger: Logger,
    enabled: boolean,
  ) {
    this.line = enabled && logger.isLevelEnabled('info') ? accessLine(logger) : undefined;
  }

  done(e: AccessEntry): void {
    this.metrics.httpDone(e.route, e.method, e.status, e.ms / 1000);
    this.line?.(e);
  }
}

const cutUrl = (url: string) => (url.length > URL_MAX ? `${url.slice(0, URL_MAX)}…` : url);
const roundMs = (ms: number) => Math.round(ms * 100) / 100;

/**
 * Writes access lines to the logger's destination, byte for byte as
 * `logger.info(fields, 'request')` would, at a third of the cost: the fields
 * are known, so the line is put together directly behind pino's own level,
 * time and bindings (pino.symbols). The line holds no secret (headers and
 * bodies stay out), so pino's redaction has nothing to do. A logger whose
 * lines pino shapes further (a mixin, formatters, a message key of its own,
 * a multistream) gets `logger.info`.
 */
function accessLine(logger: Logger): (e: AccessEntry) => void {
  const plain = logger.child({}, { redact: [] });
  const viaPino = (e: AccessEntry) =>
    plain.info(
      {
        reqId: e.reqId,
        method: e.method,
        route: e.route,
        url: cutUrl(e.url),
        status: e.status,
        ms: roundMs(e.ms),
        client: e.client,
      },
      'request',
    );
  const p = plain as unknown as Record<symbol, unknown>;
  const sym = pino.symbols;
  const stream = p[sym.streamSym] as { write(line: string): unknown; [k: symbol]: unknown };
  const formatters = p[sym.formattersSym] as { log?: unknown };
  if (
    p[sym.mixinSym] ||
    formatters.log ||
    p[sym.messageKeySym] !== 'msg' ||
    p[sym.nestedKeySym] ||
    stream[sym.needsMetadataGsym]
  )
    return viaPino;
  const prefix = (p[sym.lsCacheSym] as Record<number, string>)[plain.levels.values.info!]!;
  const time = p[sym.timeSym] as () => string;
  const bindings = p[sym.chindingsSym] as string;
  const end = `,"msg":"request"${p[sym.endSym] as string}`;
  const q = JSON.stringify;
  return (e) => {
    const client = e.client === undefined ? '' : `,"client":${q(e.client)}`;
    stream.write(
      `${prefix}${time()}${bindings},"reqId":${q(e.reqId)},"method":${q(e.method)},"route":${q(e.route)},` +
        `"url":${q(cutUrl(e.url))},"status":${e.status},"ms":${roundMs(e.ms)}${client}${end}`,
    );
  };
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
