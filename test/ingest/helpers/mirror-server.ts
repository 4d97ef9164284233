import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export type Fault =
  | { kind: 'status'; status: number; times?: number }
  | { kind: 'cut'; afterBytes: number; times?: number }
  | { kind: 'stall'; afterBytes: number; times?: number }
  | { kind: 'redirect'; location: string; times?: number };

/**
 * A static mirror on 127.0.0.1 with byte ranges, plus faults keyed by URL path:
 * an error status, a connection cut after N bytes, a server that stops sending, a redirect.
 */
export async function startMirror(root: string) {
  const faults = new Map<string, Fault>();
  const requests: { path: string; range?: string }[] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const rel = decodeURIComponent(url.pathname);
    requests.push({ path: rel, range: req.headers.range });
    const stored = faults.get(rel);
    const fault = stored && (stored.times === undefined || stored.times > 0) ? stored : undefined;
    if (stored && !fault) faults.delete(rel);
    if (fault) {
      if (fault.times !== undefined) fault.times--;
      if (fault.kind === 'status') return void res.writeHead(fault.status).end('fault');
      if (fault.kind === 'redirect') return void res.writeHead(302, { location: fault.location }).end();
    }
    const file = path.join(root, rel);
    if (!file.startsWith(root + path.sep)) return void res.writeHead(403).end();
    let body: Buffer;
    try {
      const isDir = (await fs.stat(file)).isDirectory();
      body = await fs.readFile(isDir ? path.join(file, 'index.html') : file);
    } catch {
      return void res.writeHead(404).end('not found');
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      start = Number(m[1]);
      if (start >= body.length)
        return void res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      res.writeHead(206, {
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
    } else res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' });
    const rest = body.subarray(start);
    if (fault && (fault.kind === 'cut' || fault.kind === 'stall')) {
      const active = fault;
      res.write(rest.subarray(0, active.afterBytes));
      if (active.kind === 'cut') setTimeout(() => res.socket?.destroy(), 50);
      return; // a stall keeps the socket open and silent
    }
    res.end(rest);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
