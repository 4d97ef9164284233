import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SurfhiveError } from '../errors/codes.js';
import type { Candidate } from './candidate.js';
import { guardBody, httpGet, showUrl, statusError, TransientError } from './http.js';
import { backoffMs } from './retry.js';

export interface DownloadProgress {
  done: number;
  total?: number;
}

export interface DownloadOptions {
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Global cap, whatever the metadata says. Default 8 GiB. */
  maxBytes?: number;
  /** No byte for this long fails the attempt. Default 60 s. */
  stallTimeoutMs?: number;
  /** The whole download, retries included. Default 3 h. */
  timeoutMs?: number;
  /** Failed attempts in a row before giving up (an attempt that got data resets the count). Default 5. */
  retries?: number;
  retryBaseMs?: number;
  /** Told before each back-off: what failed, which retry comes, after how long. */
  onRetry?: (err: Error, retry: number, delayMs: number) => void;
  /** Keep `<file>.part` after a network failure, a timeout or a cancel, so a later call resumes it. Default false. */
  keepPartial?: boolean;
}

export interface DownloadedPackage {
  path: string;
  sha256: string;
  bytes: number;
}

/** An attempt that brought at least this much resets the failure count (flaky but working links). */
const PROGRESS_RESET = 1024 * 1024;

type Wanted = Pick<Candidate, 'url' | 'fileName' | 'size' | 'sha256'>;

/**
 * Streams a package to `<destDir>/<fileName>` through `<fileName>.part`: resumed with HTTP
 * Range after a cut, retried with back-off, bounded in size and time, checked against the
 * metadata's size and sha256, then renamed in. On failure nothing is left behind
 * (unless keepPartial, for a network failure).
 */
export async function downloadPackage(
  cand: Wanted,
  destDir: string,
  opts: DownloadOptions = {},
): Promise<DownloadedPackage> {
  if (path.basename(cand.fileName) !== cand.fileName || cand.fileName.startsWith('.'))
    throw new SurfhiveError('DOWNLOAD_FAILED', 'package has an unsafe file name');
  const finalPath = path.join(destDir, cand.fileName);
  const partPath = `${finalPath}.part`;
  const limit = Math.min(cand.size ?? Number.POSITIVE_INFINITY, opts.maxBytes ?? 8 * 1024 ** 3);
  if (cand.size !== undefined && cand.size > limit)
    throw new SurfhiveError('DOWNLOAD_FAILED', 'package is larger than the download limit');
  await fs.mkdir(destDir, { recursive: true });

  const existing = await reuseFinal(finalPath, cand);
  if (existing) return existing;

  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 3 * 3600_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const job = new Transfer(cand, partPath, limit, signal, opts);
  try {
    let result = await job.run();
    if (cand.sha256 && result.sha256 !== cand.sha256 && job.resumedFromDisk) {
      // The leftover .part came from another file: start over once.
      await fs.rm(partPath, { force: true });
      result = await new Transfer(cand, partPath, limit, signal, opts).run();
    }
    if (cand.sha256 && result.sha256 !== cand.sha256)
      throw new SurfhiveError('CHECKSUM_MISMATCH', `${cand.fileName} does not match the mirror's sha256`);
    await fs.rename(partPath, finalPath);
    return { path: finalPath, ...result };
  } catch (err) {
    const keep = opts.keepPartial && (err instanceof TransientError || signal.aborted);
    if (!keep) await fs.rm(partPath, { force: true });
    if (timeout.aborted)
      throw new SurfhiveError('DOWNLOAD_FAILED', 'download took longer than its time limit');
    if (opts.signal?.aborted) throw new SurfhiveError('DOWNLOAD_FAILED', 'download was cancelled');
    throw err;
  }
}

/** A previous complete download is reused when it still matches the metadata. */
async function reuseFinal(file: string, cand: Wanted): Promise<DownloadedPackage | undefined> {
  const st = await fs.stat(file).catch(() => undefined);
  if (!st?.isFile() || (cand.size !== undefined && st.size !== cand.size)) return undefined;
  const sha256 = await hashFile(file, createHash('sha256'));
  if (!cand.sha256 || sha256.digest('hex') !== cand.sha256) return undefined;
  return { path: file, sha256: cand.sha256, bytes: st.size };
}

async function hashFile(file: string, hash: Hash): Promise<Hash> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash;
}

/** One download's state across attempts: bytes on disk and the running hash always agree. */
class Transfer {
  private done = 0;
  private hash = createHash('sha256');
  resumedFromDisk = false;

  constructor(
    private readonly cand: Wanted,
    private readonly partPath: string,
    private readonly limit: number,
    private readonly signal: AbortSignal,
    private readonly opts: DownloadOptions,
  ) {}

  async run(): Promise<{ sha256: string; bytes: number }> {
    await this.adoptPart();
    const retries = this.opts.retries ?? 5;
    let failures = 0;
    for (;;) {
      const before = this.done;
      try {
        if (await this.attempt()) break;
      } catch (err) {
        if (!(err instanceof TransientError) || this.signal.aborted) throw err;
        failures = this.done - before >= PROGRESS_RESET ? 0 : failures + 1;
        if (failures > retries) throw err;
        const delay = backoffMs(failures, this.opts.retryBaseMs ?? 1000);
        this.opts.onRetry?.(err, failures, delay);
        await sleep(delay, undefined, { signal: this.signal });
      }
    }
    if (this.cand.size !== undefined && this.done !== this.cand.size)
      throw new SurfhiveError(
        'DOWNLOAD_FAILED',
        `${this.cand.fileName} is not the size the mirror announced`,
      );
    return { sha256: this.hash.digest('hex'), bytes: this.done };
  }

  /** Continues from a `.part` left by an earlier run, if it is not already too large. */
  private async adoptPart(): Promise<void> {
    const st = await fs.stat(this.partPath).catch(() => undefined);
    if (st?.isFile() && st.size > 0 && st.size <= this.limit) {
      await hashFile(this.partPath, this.hash);
      this.done = st.size;
      this.resumedFromDisk = true;
    } else {
      await fs.writeFile(this.partPath, '');
    }
  }

  private async restart(): Promise<void> {
    await fs.writeFile(this.partPath, '');
    this.done = 0;
    this.hash = createHash('sha256');
    this.resumedFromDisk = false;
  }

  /** One HTTP request; true when the file is complete. */
  private async attempt(): Promise<boolean> {
    const { url } = this.cand;
    const headers: Record<string, string> = this.done > 0 ? { range: `bytes=${this.done}-` } : {};
    const res = await httpGet(url, {
      signal: this.signal,
      headers,
      headersTimeoutMs: this.opts.stallTimeoutMs ?? 60_000,
    });
    if (res.status === 416 && this.done > 0) {
      res.body.destroy();
      if (this.cand.size !== undefined && this.done === this.cand.size) return true;
      await this.restart();
      throw new TransientError(`${showUrl(url)} refused to resume`);
    }
    if (res.status === 200 && this.done > 0) await this.restart();
    else if (res.status === 206) {
      const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
      if (Number(start) !== this.done) {
        res.body.destroy();
        await this.restart();
        throw new TransientError(`${showUrl(url)} resumed at the wrong offset`);
      }
    } else if (res.status !== 200) {
      res.body.destroy();
      throw statusError(res.status, url);
    }
    const length = Number(res.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(length) && this.done + length > this.limit) {
      res.body.destroy();
      throw new SurfhiveError('DOWNLOAD_FAILED', `${this.cand.fileName} is larger than announced`);
    }

    const start = this.done;
    const fh = await fs.open(this.partPath, 'a');
    try {
      const body = guardBody(res.body, {
        stallMs: this.opts.stallTimeoutMs ?? 60_000,
        maxBytes: this.limit - this.done,
        what: this.cand.fileName,
      });
      for await (const chunk of body) {
        await fh.write(chunk);
        this.hash.update(chunk);
        this.done += chunk.length;
        this.opts.onProgress?.({ done: this.done, total: this.cand.size });
      }
    } finally {
      await fh.close();
    }
    if (this.cand.size !== undefined && this.done < this.cand.size) {
      // The server sent all it said it would: the file itself is shorter than the metadata says.
      if (Number.isFinite(length) && this.done === start + length)
        throw new SurfhiveError(
          'DOWNLOAD_FAILED',
          `${this.cand.fileName} is not the size the mirror announced`,
        );
      throw new TransientError(`${this.cand.fileName}: connection closed early`);
    }
    return true;
  }
}
