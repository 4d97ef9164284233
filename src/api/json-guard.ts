import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SurfhiveError } from '../errors/codes.js';
import type { DrainBudget } from './drain-budget.js';

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

/** A body over its limit (the route's, or the /lbc command's). */
export const bodyTooLarge = (limit: number) =>
  new SurfhiveError('BODY_TOO_LARGE', `request body is too large (more than ${limit} bytes)`);

const shapeRefused = (problem: string) =>
  new SurfhiveError('BAD_REQUEST', `request body refused: ${problem}`);

const DROPPING = Symbol('surfhive.droppingRefusedBody');

/**
 * Whether the rest of this request's refused body is being dropped: its answer must then leave
 * the connection open (Fastify marks every refused body's answer `connection: close`), since
 * closing with unread input resets the connection and loses the answer. dropRest ends it.
 */
export const droppingRefusedBody = (req: IncomingMessage) =>
  (req as IncomingMessage & { [DROPPING]?: true })[DROPPING] === true;

/** How long after its refusal the rest of a refused body is still read and dropped. */
export const REFUSED_DRAIN_MS = 5_000;

/**
 * How long after its refusal nothing is read: a client that reads while it sends has its answer
 * by then and closes, leaving unread only what the kernel buffered (the receive window does not
 * grow while nobody reads), instead of the megabytes it sends meanwhile.
 */
export const REFUSED_DRAIN_DELAY_MS = 50;

/**
 * After a body is refused, its answer goes out at once while the rest of the body is read and
 * dropped (never kept, never scanned), so that a client that sends its whole body before it
 * reads (most do) still finds the answer instead of a reset: closing a socket with unread input
 * resets the connection under the sender, and its answer is lost with it. A client that reads
 * while it sends has its answer without sending the rest, and is gone before dropping begins
 * (REFUSED_DRAIN_DELAY_MS). Dropping stops once the request has brought `limit` bytes in all
 * (reading pauses: the sender is held by TCP, not served), and REFUSED_DRAIN_MS after the refusal
 * a body still not over ends its connection. A client whose drain budget is spent has nothing more
 * read: a sender that reads has its answer, one that sends its whole body first is reset at the
 * deadline (a repeat offender loses its answers; nobody else does).
 */
function dropRest(payload: IncomingMessage, limit: number, size: number, drain: DrainBudget): void {
  (payload as IncomingMessage & { [DROPPING]?: true })[DROPPING] = true;
  const client = payload.socket?.remoteAddress ?? '';
  let seen = size;
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > limit) payload.pause();
    else if (!drain.take(client, chunk.length)) {
      // Past the budget nothing more is read, and the server's side of the connection is closed
      // after the answer: a client that reads has its answer and the end, and leaves. A reset now
      // could take the answer from a client yet to read it; the drain deadline resets the rest.
      payload.pause();
      payload.socket?.end();
    }
  };
  const stop = setTimeout(() => {
    // destroying the request ends its connection (an injected request has no real socket)
    if (!payload.complete) payload.destroy();
  }, REFUSED_DRAIN_MS);
  stop.unref();
  payload.pause();
  const start = setTimeout(() => {
    if (seen <= limit) payload.resume();
  }, REFUSED_DRAIN_DELAY_MS);
  start.unref();
  payload.on('data', onData);
  payload.once('close', () => {
    clearTimeout(stop);
    clearTimeout(start);
    payload.off('data', onData);
  });
}

/**
 * Reads a request body up to `limit` bytes, scanning its JSON shape chunk by
 * chunk (each chunk costs well under a millisecond), and refuses it as soon
 * as it is too large (BODY_TOO_LARGE) or too deep or wide (BAD_REQUEST): the
 * refusal is answered at once, and the rest of the body dropped (see dropRest).
 */
export function readJsonBody(
  payload: IncomingMessage,
  limit: number,
  shape: JsonShapeLimits,
  drain: DrainBudget,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(payload.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(bodyTooLarge(limit));
      dropRest(payload, limit, 0, drain);
      return;
    }
    const scanner = new JsonShapeScanner(shape);
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      let problem: SurfhiveError | undefined;
      if (size > limit) problem = bodyTooLarge(limit);
      else {
        const shapeProblem = scanner.push(chunk);
        if (shapeProblem) problem = shapeRefused(shapeProblem);
      }
      if (!problem) {
        chunks.push(chunk);
        return;
      }
      failed = true;
      chunks.length = 0;
      payload.off('data', onData);
      reject(problem);
      dropRest(payload, limit, size, drain);
    };
    payload.on('data', onData);
    payload.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    payload.on('error', (err) => {
      if (!failed) reject(err);
    });
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
export function installJsonGuard(
  app: FastifyInstance,
  shape: JsonShapeLimits,
  appBodyLimit: number,
  drain: DrainBudget,
): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', (request, payload, done) => {
    readJsonBody(payload, bodyLimitOf(request, appBodyLimit), shape, drain).then(
      (body) => parse(request, body.toString('utf8'), done),
      (err: Error) => done(err, undefined),
    );
  });
}
