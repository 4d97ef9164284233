import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SurfhiveError } from '../errors/codes.js';

/** Shape limits of a JSON request body (SURFHIVE_JSON_MAX_DEPTH, SURFHIVE_JSON_MAX_ITEMS). */
export interface JsonShapeLimits {
  maxDepth: number;
  /** Array items and object members, all levels together. */
  maxItems: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/**
 * Checks nesting depth and item count of JSON text as it arrives, chunk by
 * chunk, before anything parses it: a body of 6 MB of `[` is refused after
 * its first 33 bytes instead of costing seconds in JSON.parse. It only counts
 * brackets and commas outside strings; JSON.parse still judges validity.
 */
export class JsonShapeScanner {
  private depth = 0;
  private items = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly limits: JsonShapeLimits) {}

  /** The problem with the text so far, if any. */
  push(chunk: Buffer): string | undefined {
    const { maxDepth, maxItems } = this.limits;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        if (++this.depth > maxDepth) return `JSON nested deeper than ${maxDepth} levels`;
        if (++this.items > maxItems) return `JSON with more than ${maxItems} items`;
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) this.depth--;
      else if (c === COMMA && ++this.items > maxItems) return `JSON with more than ${maxItems} items`;
    }
    return undefined;
  }
}

const shapeRefused = (problem: string) =>
  new SurfhiveError('BAD_REQUEST', `request body refused: ${problem}`);

/** How long a refused body is still read and dropped so that its sender can take the answer. */
export const REFUSED_DRAIN_MS = 5_000;

/**
 * Reads a request body up to `limit` bytes, scanning its JSON shape chunk by
 * chunk (each chunk costs well under a millisecond), and refuses it as soon
 * as it is too large (BODY_TOO_LARGE) or too deep or wide (BAD_REQUEST).
 * A body refused while the client still sends it is read on and dropped (never
 * kept, never scanned) until it ends, then answered: answering first would close
 * the connection under the sender, whose writes then fail (EPIPE) and whose
 * answer is lost with the reset. That reading stops at `limit` bytes in all and
 * after REFUSED_DRAIN_MS; past either, the refusal goes out at once and the
 * connection closes.
 */
export function readJsonBody(
  payload: IncomingMessage,
  limit: number,
  shape: JsonShapeLimits,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(payload.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      payload.resume();
      reject(new SurfhiveError('BODY_TOO_LARGE', `request body is too large (more than ${limit} bytes)`));
      return;
    }
    const scanner = new JsonShapeScanner(shape);
    const chunks: Buffer[] = [];
    let size = 0;
    let failed: SurfhiveError | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const refuse = () => {
      clearTimeout(drainTimer);
      reject(failed);
    };
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (failed) {
        if (size > limit) refuse();
        return;
      }
      if (size > limit)
        failed = new SurfhiveError('BODY_TOO_LARGE', `request body is too large (more than ${limit} bytes)`);
      else {
        const problem = scanner.push(chunk);
        if (problem) failed = shapeRefused(problem);
      }
      if (!failed) chunks.push(chunk);
      else {
        chunks.length = 0;
        if (size > limit) refuse();
        else drainTimer = setTimeout(refuse, REFUSED_DRAIN_MS);
      }
    });
    payload.on('end', () => {
      if (failed) refuse();
      else resolve(Buffer.concat(chunks, size));
    });
    payload.on('error', (err) => {
      if (failed) refuse();
      else reject(err);
    });
    payload.on('close', () => clearTimeout(drainTimer));
  });
}

/** The shape check of readJsonBody, for a body read already (small: the /lbc remembered-reply path). */
export function scannedBody(body: Buffer, shape: JsonShapeLimits): Promise<Buffer> {
  const problem = new JsonShapeScanner(shape).push(body);
  return problem ? Promise.reject(shapeRefused(problem)) : Promise.resolve(body);
}

/** The route's own body limit (or the app's). */
export const bodyLimitOf = (request: FastifyRequest, fallback: number) =>
  request.routeOptions.bodyLimit ?? fallback;

/**
 * Replaces Fastify's JSON parser for the whole app: the shape is checked while
 * the body streams in, then Fastify's own parser (prototype-poisoning checks
 * included) runs on a body known to be shallow and small enough.
 */
export function installJsonGuard(app: FastifyInstance, shape: JsonShapeLimits, appBodyLimit: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', (request, payload, done) => {
    readJsonBody(payload, bodyLimitOf(request, appBodyLimit), shape).then(
      (body) => parse(request, body.toString('utf8'), done),
      (err: Error) => done(err, undefined),
    );
  });
}
