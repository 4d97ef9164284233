import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isSurfhiveError, SurfhiveError } from '../errors/codes.js';
import { preparingLocation } from '../provision/preparing.js';
import { droppingRefusedBody } from './json-guard.js';
import { lbcFailure } from './lbc/envelope.js';
import { errorComponent } from './rest/schemas.js';
import { retryAfterOf } from './retry-after.js';

/** Routes that speak the legacy protocol set `config: { lbc: true }`: their errors keep its envelope. */
declare module 'fastify' {
  interface FastifyContextConfig {
    lbc?: boolean;
  }
}

function validationMessage(err: FastifyError): string {
  const first = err.validation?.[0];
  if (!first) return 'invalid request';
  const where = `${err.validationContext ?? 'request'}${first.instancePath ? first.instancePath.replace(/\//g, '.') : ''}`;
  const missing = (first.params as { missingProperty?: string } | undefined)?.missingProperty;
  if (missing) return `${where} must have ${missing}`;
  // Ajv's pattern message quotes the regular expression: say what is wrong instead
  if (first.keyword === 'pattern') return `${where} holds characters or a form this field does not accept`;
  return `${where} ${first.message ?? 'is invalid'}`;
}

/**
 * Turns anything thrown into an error safe to show: our coded errors pass
 * through, Fastify's client errors get a fixed message (never the input), and
 * everything else becomes INTERNAL with the details only in the log.
 */
export function toSafeError(err: unknown, request: FastifyRequest): SurfhiveError {
  if (isSurfhiveError(err)) {
    if (err.statusCode >= 500) request.log.error({ err }, 'request failed');
    return err;
  }
  const e = err as FastifyError;
  if (e?.validation) return new SurfhiveError('INVALID_FIELD', validationMessage(e));
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SurfhiveError('BODY_TOO_LARGE', 'request body is too large');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SurfhiveError('BAD_REQUEST', 'request body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new SurfhiveError('BAD_REQUEST', 'unsupported or malformed request body');
    case 'FST_ERR_BAD_URL':
      return new SurfhiveError('BAD_REQUEST', 'malformed URL');
  }
  if (
    e instanceof SyntaxError ||
    (e?.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500)
  ) {
    return new SurfhiveError('BAD_REQUEST', 'bad request');
  }
  request.log.error({ err }, 'unexpected error');
  return new SurfhiveError('INTERNAL', 'internal error');
}

/**
 * The one error handler, the 404 handler and the error schema routes reference, for the whole
 * app; `notFound`
 * runs before the 404 answer (the lookup rate limit).
 */
export function installErrorHandling(
  app: FastifyInstance,
  notFound?: (request: FastifyRequest) => Promise<void>,
): void {
  app.addSchema(errorComponent);
  app.setErrorHandler((err, request, reply: FastifyReply) => {
    const safe = toSafeError(err, request);
    const retryAfter = retryAfterOf(safe);
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    const location = preparingLocation(safe);
    if (location) reply.header('location', location);
    // The refused body's rest is still read and dropped: the connection must stay open meanwhile.
    if (droppingRefusedBody(request.raw)) reply.removeHeader('connection');
    if (request.routeOptions.config?.lbc) {
      // The legacy envelope answers 200, except where the status itself tells the client to back off.
      const shed = safe.statusCode === 429 || safe.statusCode === 503;
      return reply
        .code(safe.kind === 'BODY_TOO_LARGE' || shed ? safe.statusCode : 200)
        .type('application/json')
        .send(lbcFailure(safe.message));
    }
    return reply.code(safe.statusCode).type('application/json; charset=utf-8').send(JSON.stringify(safe));
  });
  app.setNotFoundHandler(notFound ? { preHandler: notFound } : {}, (_request, reply) => {
    const e = new SurfhiveError('NOT_FOUND', 'no such route');
    return reply.code(404).type('application/json; charset=utf-8').send(JSON.stringify(e));
  });
}
