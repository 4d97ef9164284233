import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Logger } from '../log/logger.js';

/** Sent upstream so that two servers listing each other never loop. */
export const FEDERATED_HEADER = 'x-surfhive-federated';
/** Larger than any BTF a real kernel has. */
const MAX_UPSTREAM_BYTES = 256 * 1024 * 1024;
const PASSED_HEADERS = ['x-debuginfod-size', 'x-debuginfod-file', 'x-debuginfod-archive', 'last-modified'];

export interface UpstreamAnswer {
  url: string;
  size: number | undefined;
  headers: Record<string, string>;
  body: Readable;
}

/**
 * Asks the operator's debuginfod servers, in order, for one section of one
 * build id; the first 200 wins. Each gets `timeoutMs` to answer headers and
 * then to send its body; at most `maxInFlight` upstream requests run at once
 * (more misses answer as misses), so a slow upstream cannot hold the server.
 */
export class DebuginfodFederation {
  private inFlight = 0;

  constructor(
    private readonly upstreams: readonly string[],
    private readonly opts: { timeoutMs: number; logger: Logger; maxInFlight?: number },
  ) {}

  get enabled(): boolean {
    return this.upstreams.length > 0;
  }

  async section(buildId: string, section: string): Promise<UpstreamAnswer | undefined> {
    if (this.inFlight >= (this.opts.maxInFlight ?? 16)) return undefined;
    this.inFlight++;
    try {
      for (const base of this.upstreams) {
        const got = await this.ask(`${base}/buildid/${buildId}/section/${encodeURIComponent(section)}`);
        if (got) return got;
      }
      return undefined;
    } finally {
      this.inFlight--;
    }
  }

  private async ask(url: string): Promise<UpstreamAnswer | undefined> {
    const signal = AbortSignal.timeout(this.opts.timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, { signal, redirect: 'error', headers: { [FEDERATED_HEADER]: '1' } });
    } catch (err) {
      this.opts.logger.warn({ err, url }, 'debuginfod upstream failed');
      return undefined;
    }
    const length = res.headers.get('content-length');
    const size = length !== null && /^[0-9]{1,12}$/.test(length) ? Number(length) : undefined;
    if (res.status !== 200 || !res.body || (size !== undefined && size > MAX_UPSTREAM_BYTES)) {
      await res.body?.cancel().catch(() => {});
      return undefined;
    }
    const headers: Record<string, string> = {};
    for (const h of PASSED_HEADERS) {
      const v = res.headers.get(h);
      if (v !== null && /^[\x20-\x7e]{0,512}$/.test(v)) headers[h] = v;
    }
    let seen = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        seen += chunk.length;
        done(seen > MAX_UPSTREAM_BYTES ? new Error('upstream answer too large') : null, chunk);
      },
    });
    const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
    body.on('error', (err) => cap.destroy(err));
    return { url, size, headers, body: body.pipe(cap) };
  }
}
