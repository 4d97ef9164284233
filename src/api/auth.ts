import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SurfhiveError } from '../errors/codes.js';
import { bearerSecurity, errorResponses } from './rest/schemas.js';

/** The stored form of an operator token: its sha256, hex. */
export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

/** Whether `token`'s sha256 is one of `stored`: constant-time, visiting every stored hash. */
function tokenMatches(token: string, stored: readonly Buffer[]): boolean {
  const presented = createHash('sha256').update(token, 'utf8').digest();
  let ok = false;
  for (const h of stored) ok = timingSafeEqual(presented, h) || ok;
  return ok;
}

/** Whether an Authorization header carries a Bearer token whose sha256 is one of `hashes`. */
export function tokenAccepted(header: string | undefined, hashes: readonly string[]): boolean {
  const m = typeof header === 'string' ? BEARER.exec(header) : null;
  if (!m) return false;
  return tokenMatches(
    m[1]!,
    hashes.map((h) => Buffer.from(h, 'hex')).filter((b) => b.length === 32),
  );
}

/**
 * A Fastify preHandler that lets through only requests carrying a token
 * (`Authorization: Bearer <token>`) whose sha256 is in `hashes`; `what` names
 * the token in messages ("an operator token", "a compile token"). 401 without
 * a token, 403 with a wrong one.
 */
export function requireToken(
  hashes: readonly string[],
  what: string,
  setting = 'SURFHIVE_OPERATOR_TOKEN_HASHES',
) {
  const stored = hashes.map((h) => Buffer.from(h, 'hex')).filter((b) => b.length === 32);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? BEARER.exec(header) : null;
    // a server with no such tokens at all: the operator has to make one first, and is told how
    if (stored.length === 0) {
      if (!m) reply.header('www-authenticate', 'Bearer');
      throw new SurfhiveError(
        m ? 'FORBIDDEN' : 'UNAUTHORIZED',
        `${what} is required, and this server has none configured: make one with \`surfhive token new\` ` +
          `and restart the server with ${setting} set to the hash it prints`,
      );
    }
    if (!m) {
      reply.header('www-authenticate', 'Bearer');
      throw new SurfhiveError('UNAUTHORIZED', `${what} is required (Authorization: Bearer ...)`);
    }
    if (!tokenMatches(m[1]!, stored))
      throw new SurfhiveError('FORBIDDEN', `the ${what.replace(/^an? /, '')} is not valid`);
  };
}

/** Ingest and administration: only operator tokens. */
export function requireOperator(hashes: readonly string[]) {
  return requireToken(hashes, 'an operator token');
}

/**
 * Every route registered after this in `app` (an encapsulated plugin) needs a
 * token: checked before the handler, and documented as bearer-secured with its
 * 401 and 403 answers.
 */
export function requireTokenOnRoutes(
  app: FastifyInstance,
  hashes: readonly string[],
  what: string,
  setting?: string,
): void {
  app.addHook('onRoute', (route) => {
    route.schema = {
      ...route.schema,
      security: bearerSecurity,
      response: { ...errorResponses(401, 403), ...(route.schema?.response as object | undefined) },
    };
  });
  app.addHook('preHandler', requireToken(hashes, what, setting));
}
