import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { SurfhiveError } from '../errors/codes.js';

/**
 * The mirror could not be reached or refused a file: its message names the URL and the cause
 * (DNS, refused, timeout, HTTP status), so that an operator can tell a typo from an outage.
 */
export class MirrorFault extends SurfhiveError {
  constructor(message: string, cause?: unknown) {
    super('DOWNLOAD_FAILED', message, cause === undefined ? undefined : { cause });
  }
}

/** A download failure worth retrying: network errors, 5xx, 429, stalls, cut connections. */
export class TransientError extends MirrorFault {}

/** The system error code under a failed fetch (undici wraps it; several addresses give several). */
function errnoOf(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown; errors?: { code?: unknown }[] } } | undefined)?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Why a connection failed, in words; a DNS name that does not exist is final, the rest may pass. */
function unreachable(url: URL, err: unknown): MirrorFault {
  const code = errnoOf(err);
  const at = `could not reach ${showUrl(url)}`;
  switch (code) {
    case 'ENOTFOUND':
      return new MirrorFault(`${at}: DNS lookup of ${url.hostname} failed (no such host)`, err);
    case 'EAI_AGAIN':
      return new TransientError(`${at}: DNS lookup of ${url.hostname} failed (temporary failure)`, err);
    case 'ECONNREFUSED':
      return new TransientError(`${at}: connection refused by ${url.host}`, err);
    case 'ECONNRESET':
      return new TransientError(`${at}: connection reset by ${url.host}`, err);
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new TransientError(`${at}: connection to ${url.host} timed out`, err);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new TransientError(`${at}: no route to ${url.host}`, err);
    default:
      if (code?.startsWith('CERT_') || code?.includes('CERT') || code?.startsWith('ERR_TLS'))
        return new MirrorFault(`${at}: TLS certificate not accepted (${code})`, err);
      return new TransientError(`${at}${code ? ` (${code})` : ''}`, err);
  }
}

const MAX_REDIRECTS = 5;

export function checkHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SurfhiveError('DOWNLOAD_FAILED', 'mirror gave an invalid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new SurfhiveError('DOWNLOAD_FAILED', 'mirror pointed to a non-http(s) URL');
  return parsed;
}

/** A URL safe to show a client: no credentials, no query. */
export const showUrl = (url: string | URL) => {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
};

export interface HttpResponse {
  status: number;
  headers: Headers;
  url: string;
  body: Readable;
}

/**
 * GET that follows redirects itself, only to http(s), and never decodes content
 * (byte ranges must refer to the file as stored).
 */
export async function httpGet(
  url: string,
  opts: { signal?: AbortSignal; headers?: Record<string, string>; headersTimeoutMs?: number } = {},
): Promise<HttpResponse> {
  let current = checkHttpUrl(url);
  const waitMs = opts.headersTimeoutMs ?? 60_000;
  for (let hop = 0; ; hop++) {
    let res: Response;
    // A server that accepts the connection but never answers: the body's stall guard cannot see it.
    const silent = new AbortController();
    const timer = setTimeout(() => silent.abort(), waitMs);
    try {
      res = await fetch(current, {
        redirect: 'manual',
        signal: opts.signal ? AbortSignal.any([opts.signal, silent.signal]) : silent.signal,
        headers: { 'accept-encoding': 'identity', 'user-agent': 'surfhive-ingest', ...opts.headers },
      });
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      if (silent.signal.aborted)
        throw new TransientError(
          `${showUrl(current)} did not answer: timed out after ${secs(waitMs)} (SURFHIVE_MIRROR_TIMEOUT_MS)`,
          err,
        );
      throw unreachable(current, err);
    } finally {
      clearTimeout(timer);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
      await res.body?.cancel().catch(() => {});
      if (hop >= MAX_REDIRECTS) throw new SurfhiveError('DOWNLOAD_FAILED', 'too many redirects');
      current = checkHttpUrl(new URL(res.headers.get('location')!, current).href);
      continue;
    }
    const body = res.body
      ? Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>)
      : Readable.from([] as Buffer[]);
    return { status: res.status, headers: res.headers, url: current.href, body };
  }
}

/** Turns a non-2xx status into the right error: 404 & co are final, 5xx and 429 are worth a retry. */
export function statusError(status: number, url: string): SurfhiveError {
  const msg = `${showUrl(url)} answered HTTP ${status}`;
  return status >= 500 || status === 429 || status === 408 ? new TransientError(msg) : new MirrorFault(msg);
}

const secs = (ms: number) => (ms < 10_000 ? `${ms / 1000} s` : `${Math.round(ms / 1000)} s`);

/**
 * Passes a body through, failing it when no byte arrives for stallMs or when it grows past maxBytes.
 */
export async function* guardBody(
  body: Readable,
  opts: { stallMs: number; maxBytes: number; what: string },
): AsyncGenerator<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  let stalled = false;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      body.destroy(new TransientError(`${opts.what}: no data for ${secs(opts.stallMs)}`));
    }, opts.stallMs);
  };
  let seen = 0;
  arm();
  try {
    for await (const chunk of body) {
      arm();
      seen += (chunk as Buffer).length;
      if (seen > opts.maxBytes)
        throw new SurfhiveError('DOWNLOAD_FAILED', `${opts.what} is larger than its limit`);
      yield chunk as Buffer;
    }
  } catch (err) {
    if (stalled) throw new TransientError(`${opts.what}: no data for ${secs(opts.stallMs)}`);
    if (err instanceof SurfhiveError) throw err;
    throw new TransientError(`${opts.what}: connection failed mid-transfer`, err);
  } finally {
    clearTimeout(timer);
    body.destroy();
  }
}
