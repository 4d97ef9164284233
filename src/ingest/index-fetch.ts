import { SurfhiveError } from '../errors/codes.js';
import type { ToolRunner } from '../sandbox/exec.js';
import { guardBody, httpGet, showUrl, statusError } from './http.js';

export interface IndexFetchOptions {
  signal?: AbortSignal | undefined;
  /** The process's runner: compressed indexes are expanded under its configured sandbox. */
  runner: ToolRunner;
  /** No byte for this long fails the transfer (retried). */
  stallMs: number;
  /** Cap on one compressed index file. */
  maxIndexBytes: number;
  /** Cap on one index once decompressed. */
  maxExpandedBytes: number;
  /** Time allowed to a decompressor tool. */
  toolTimeoutMs: number;
  /** Told of each index the mirror does not have (404/410), with its URL. */
  onMissing?: (url: string, status: number) => void;
}

export const DEFAULT_INDEX_FETCH: Omit<IndexFetchOptions, 'runner'> = {
  stallMs: 60_000,
  maxIndexBytes: 1024 * 1024 * 1024,
  maxExpandedBytes: 8 * 1024 * 1024 * 1024,
  toolTimeoutMs: 30 * 60_000,
};

/** Opens a metadata file; undefined when the mirror does not have it (404/410). */
export async function openIndex(
  url: string,
  opts: IndexFetchOptions,
  maxBytes = opts.maxIndexBytes,
): Promise<AsyncGenerator<Buffer> | undefined> {
  const res = await httpGet(url, { signal: opts.signal, headersTimeoutMs: opts.stallMs });
  if (res.status === 404 || res.status === 410) {
    res.body.destroy();
    opts.onMissing?.(url, res.status);
    return undefined;
  }
  if (res.status !== 200) {
    res.body.destroy();
    throw statusError(res.status, url);
  }
  return guardBody(res.body, { stallMs: opts.stallMs, maxBytes, what: showUrl(url) });
}

/** A small metadata file read whole (repomd.xml, an HTML listing). */
export async function readIndexFile(
  url: string,
  opts: IndexFetchOptions,
  maxBytes: number,
): Promise<Buffer | undefined> {
  const body = await openIndex(url, opts, maxBytes);
  if (!body) return undefined;
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk);
  return Buffer.concat(parts);
}

export const malformed = (what: string, cause?: unknown) =>
  new SurfhiveError('DOWNLOAD_FAILED', `mirror metadata is malformed: ${what}`, { cause });
