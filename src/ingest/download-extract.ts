import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { ToolRunner } from '../sandbox/exec.js';
import type { Candidate } from './candidate.js';
import { type DownloadedPackage, type DownloadOptions, downloadPackage } from './download.js';
import { type ExtractedKernel, extractKernel, extractKernelStream } from './extract.js';
import type { ExtractCaps } from './extract-policy.js';
import { followFile, type WriterState } from './follow-file.js';

export interface DownloadExtractOptions {
  download?: Omit<DownloadOptions, 'signal'>;
  caps?: Partial<ExtractCaps>;
  /** The process's runner: the decompressors run under its configured sandbox. */
  runner: ToolRunner;
  signal?: AbortSignal | undefined;
  /** Bytes handed to the extractor so far (it may stop early once it has what it wants). */
  onExtractProgress?: (bytes: number) => void;
  /** The download is complete and verified (the extraction may still be running). */
  onDownloaded?: () => void;
}

export interface DownloadExtractResult {
  pkg: DownloadedPackage;
  kernel: ExtractedKernel;
  /** False when the streamed extraction had to be redone from the finished file. */
  overlapped: boolean;
  downloadMs: number;
  extractMs: number;
}

/**
 * Downloads a package into `dir` and extracts it WHILE it arrives: the extractor follows the
 * growing `.part` file (the disk is the buffer, so the download never waits for xz), and the
 * bytes it was fed are hashed and compared with the download's verified sha256. Any
 * difference (the download restarted on a changed file) redoes the extraction from the
 * finished file. Nothing is trusted before the download's own checks pass. On failure the
 * extraction directory is removed and the download leaves nothing behind.
 */
export async function downloadAndExtract(
  cand: Candidate,
  dir: string,
  opts: DownloadExtractOptions,
): Promise<DownloadExtractResult> {
  const started = Date.now();
  const abort = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, abort.signal]) : abort.signal;
  let writer: WriterState;
  let downloadMs = 0;
  const download = downloadPackage(cand, dir, { ...opts.download, signal }).then(
    (p) => {
      downloadMs = Date.now() - started;
      writer = { ok: true, size: p.bytes };
      opts.onDownloaded?.();
      return p;
    },
    (err: unknown) => {
      writer = { ok: false, err };
      throw err;
    },
  );

  const feed = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  let extractMs = 0;
  const extraction = extractKernelStream(feed, cand, dir, opts.caps, { signal, runner: opts.runner }).then(
    (k) => {
      extractMs = Date.now() - started;
      return k;
    },
  );
  extraction.catch(() => abort.abort());

  const finalPath = path.join(dir, cand.fileName);
  const pump = (async () => {
    const hash = createHash('sha256');
    let fed = 0;
    for await (const chunk of followFile([`${finalPath}.part`, finalPath], () => writer, signal)) {
      hash.update(chunk);
      if (feed.destroyed || feed.writableEnded) continue;
      fed += chunk.length;
      opts.onExtractProgress?.(fed);
      if (!feed.write(chunk)) await drainOrClose(feed);
    }
    feed.end();
    return hash.digest('hex');
  })();
  pump.catch((err: unknown) => feed.destroy(err instanceof Error ? err : new Error(String(err))));

  const [d, e, p] = await Promise.allSettled([download, extraction, pump]);
  if (d.status === 'rejected') {
    if (e.status === 'fulfilled') await fs.rm(e.value.dir, { recursive: true, force: true });
    // An extraction failure cancels the download: report the cause, not the cancel.
    throw abort.signal.aborted && e.status === 'rejected' && !opts.signal?.aborted ? e.reason : d.reason;
  }
  const pkg = d.value;
  if (p.status === 'fulfilled' && p.value === pkg.sha256) {
    if (e.status === 'rejected') throw e.reason;
    return { pkg, kernel: e.value, overlapped: true, downloadMs, extractMs };
  }
  // The extractor saw other bytes than the verified file: start it over from the file.
  if (e.status === 'fulfilled') await fs.rm(e.value.dir, { recursive: true, force: true });
  const kernel = await extractKernel(pkg.path, cand, dir, opts.caps, {
    signal: opts.signal,
    runner: opts.runner,
  });
  return { pkg, kernel, overlapped: false, downloadMs, extractMs: Date.now() - started };
}

function drainOrClose(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}
