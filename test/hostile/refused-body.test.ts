import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { DrainBudget } from '../../src/api/drain-budget.js';
import { REFUSED_DRAIN_DELAY_MS, REFUSED_DRAIN_MS } from '../../src/api/json-guard.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';

/**
 * A body refused while it still streams in (too deep, too large) is answered at once, and the
 * client, still sending, gets that answer: the server reads and drops the rest of the body
 * (bounded by the route's limit and a time budget) with the connection open, instead of leaving
 * the client with a broken pipe. Real sockets, a client that sends slowly in chunks.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'surfhive-refused-'));
const appWith = (name: string, drainBudget?: DrainBudget) =>
  buildApp({
    config: loadConfig(
      {},
      { hive: path.join(dir, name, 'hive'), workDir: path.join(dir, name, 'work'), logLevel: 'silent' },
    ),
    registryOptions: { pollMs: 0, watch: false },
    docs: false,
    drainBudget,
  });
const app: FastifyInstance = await appWith('main');
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as AddressInfo;
t.teardown(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

interface SlowPost {
  status: number;
  headers: string;
  body: string;
  /** Body bytes the client managed to write. */
  sent: number;
  /** The first write error the client saw (EPIPE, ECONNRESET), if any. */
  writeError?: string;
  /** When the first byte of the answer arrived, ms after the request started. */
  answeredMs?: number;
  /** When the last piece of the body was handed to the socket, ms after the request started. */
  sentAllMs?: number;
}

/** Sends `body` in `chunk`-byte pieces `gapMs` apart over a raw socket; resolves with the answer once the server closes or answers in full. */
function slowPost(
  url: string,
  body: Buffer,
  opts: {
    chunk: number;
    gapMs: number;
    headers?: Record<string, string>;
    stallAfter?: number;
    /** Another server than the main one. */
    port?: number;
    /** The client's own address (127.0.0.x), as another client. */
    localAddress?: string;
  },
): Promise<SlowPost> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port: opts.port ?? port, localAddress: opts.localAddress });
    const t0 = performance.now();
    let answeredMs: number | undefined;
    let sentAllMs: number | undefined;
    const got: Buffer[] = [];
    let sent = 0;
    let writeError: string | undefined;
    let finished = false;
    const head = [
      `POST ${url} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      `Content-Length: ${body.length}`,
      ...Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
      '',
      '',
    ].join('\r\n');
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(guard);
      const raw = Buffer.concat(got).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      if (split < 0) {
        resolve({
          status: 0,
          headers: '',
          body: raw,
          sent,
          answeredMs,
          sentAllMs,
          ...(writeError && { writeError }),
        });
        return;
      }
      const headers = raw.slice(0, split);
      resolve({
        status: Number(/^HTTP\/1\.1 (\d+)/.exec(headers)?.[1] ?? 0),
        headers,
        body: raw.slice(split + 4),
        sent,
        answeredMs,
        sentAllMs,
        ...(writeError && { writeError }),
      });
    };
    const guard = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer in time (sent ${sent} bytes)`));
    }, 60_000);
    sock.on('data', (b: Buffer) => {
      answeredMs ??= performance.now() - t0;
      got.push(b);
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      writeError ??= err.code ?? String(err);
    });
    sock.on('close', finish);
    sock.write(head);
    const pump = () => {
      if (opts.stallAfter !== undefined && sent >= opts.stallAfter) return;
      if (sock.destroyed || sent >= body.length) {
        sentAllMs ??= performance.now() - t0;
        // all sent: the server answers and, keeping the connection, waits for the next request
        setTimeout(() => sock.end(), 200);
        return;
      }
      const piece = body.subarray(sent, sent + opts.chunk);
      sent += piece.length;
      sock.write(piece, (err) => {
        if (err) writeError ??= (err as NodeJS.ErrnoException).code ?? String(err);
      });
      setTimeout(pump, opts.gapMs);
    };
    pump();
  });
}

t.test('6 MB of nested [ on /lbc, sent slowly: the client gets the refusal, not a broken pipe', async (t) => {
  const body = Buffer.from('['.repeat(6 * 1024 * 1024));
  const r = await slowPost('/lbc', body, { chunk: 256 * 1024, gapMs: 10 });
  t.equal(r.writeError, undefined, 'every write of the body went through');
  t.equal(r.sent, body.length);
  t.equal(r.status, 200, "the legacy envelope's own status");
  t.ok(r.answeredMs! < r.sentAllMs!, 'answered while the body still streamed in');
  t.notMatch(r.headers, /connection: close/i, 'the connection stays open while the rest is dropped');
  const answer = JSON.parse(r.body) as { result: string; res: { log: string }[] };
  t.equal(answer.result, 'failed');
  t.match(answer.res[0]!.log, /nested deeper than 32 levels/);
});

t.test('the same on a REST route: the coded 400 JSON', async (t) => {
  const body = Buffer.from(`{"a":${'['.repeat(1024 * 1024)}`);
  const r = await slowPost('/api/v1/compile', body, {
    chunk: 64 * 1024,
    gapMs: 10,
    headers: { 'Content-Type': 'application/json' },
  });
  t.equal(r.writeError, undefined, 'every write of the body went through');
  t.equal(r.status, 400);
  const e = JSON.parse(r.body) as { statusCode: number; code: string; message: string };
  t.equal(e.statusCode, 400);
  t.equal(e.code, 'SURFHIVE_ERR_BAD_REQUEST');
  t.match(e.message, /nested deeper than 32/);
});

t.test(
  'a sender that stalls after the refusal has its answer at once; the connection closes at the drain deadline',
  async (t) => {
    const body = Buffer.from('['.repeat(1024 * 1024));
    const t0 = performance.now();
    const r = await slowPost('/lbc', body, { chunk: 64 * 1024, gapMs: 10, stallAfter: 128 * 1024 });
    const ms = performance.now() - t0;
    t.equal(r.sent, 128 * 1024, 'the client stopped sending');
    t.equal(r.status, 200);
    t.match((JSON.parse(r.body) as { res: { log: string }[] }).res[0]!.log, /nested deeper/);
    t.ok(r.answeredMs! < 1_000, `answered at once (${Math.round(r.answeredMs!)} ms)`);
    t.ok(
      ms >= REFUSED_DRAIN_MS - 500 && ms < REFUSED_DRAIN_MS + 5_000,
      `closed by the server at the drain deadline (${Math.round(ms)} ms)`,
    );
  },
);

t.test('once the refused body is over, the same connection serves the next request', async (t) => {
  const refused = Buffer.from('['.repeat(256 * 1024));
  const sock = net.connect({ host: '127.0.0.1', port });
  t.teardown(() => sock.destroy());
  const got: Buffer[] = [];
  sock.on('data', (b: Buffer) => got.push(b));
  const text = () => Buffer.concat(got).toString('utf8');
  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  };
  sock.write(`POST /lbc HTTP/1.1\r\nHost: x\r\nContent-Length: ${refused.length}\r\n\r\n`);
  sock.write(refused);
  await until(() => /nested deeper/.test(text()));
  t.match(text(), /nested deeper/, 'the refusal');
  sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => (text().match(/HTTP\/1\.1 /g) ?? []).length >= 2);
  t.match(text(), /HTTP\/1\.1 200[\s\S]*HTTP\/1\.1 200/, 'then /healthz on the same connection');
});

t.test(
  'a sender that reads while it sends and leaves on its answer: the server reads almost none of the rest',
  async (t) => {
    const accepted: net.Socket[] = [];
    const onConnection = (s: net.Socket) => accepted.push(s);
    app.server.on('connection', onConnection);
    t.teardown(() => app.server.off('connection', onConnection));
    const body = Buffer.from('['.repeat(16 * 1024 * 1024));
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.on('error', () => {});
    sock.write(`POST /lbc HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    // all at once, as fetch does: what the kernel does not take waits in the client
    sock.write(body);
    const answer = await new Promise<string>((resolve) =>
      sock.once('data', (b: Buffer) => resolve(String(b))),
    );
    t.match(answer, /nested deeper/, 'the refusal');
    // a client a little slow to leave, still well within the pause before the server drops the rest
    await new Promise((r) => setTimeout(r, REFUSED_DRAIN_DELAY_MS / 2));
    sock.destroy();
    const server = accepted[0]!;
    for (let i = 0; i < 500 && !server.destroyed; i++) await new Promise((r) => setTimeout(r, 10));
    t.ok(server.destroyed, 'the server let the connection go');
    // at most what the client's kernel still held when it left (its send buffer: 4 MiB here) and
    // the little the server buffered; a server that drops at once reads the body as fast as it comes
    t.ok(
      server.bytesRead < 6 * 1024 * 1024,
      `the server read ${server.bytesRead} bytes of a ${body.length}-byte body`,
    );
  },
);

t.test(
  'past its drain budget a client has nothing more read: it has its answer and the end; other clients keep their budget',
  async (t) => {
    const MiB = 1024 * 1024;
    const small = await appWith('small', new DrainBudget(1, 8 * MiB));
    await small.listen({ host: '127.0.0.1', port: 0 });
    t.teardown(() => small.close());
    const smallPort = (small.server.address() as AddressInfo).port;
    const body = Buffer.from('['.repeat(6 * MiB));
    const send = (localAddress?: string) =>
      slowPost('/lbc', body, { chunk: 256 * 1024, gapMs: 10, port: smallPort, localAddress });
    const first = await send();
    t.equal(first.writeError, undefined, 'within the budget: every write went through');
    t.match(first.body, /nested deeper/);

    // the second spends the rest of the budget: a client that reads while it sends
    const sock = net.connect({ host: '127.0.0.1', port: smallPort });
    sock.on('error', () => {});
    const got: Buffer[] = [];
    sock.on('data', (b: Buffer) => got.push(b));
    const ended = new Promise<void>((resolve) => sock.once('end', resolve));
    sock.write(`POST /lbc HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    let sent = 0;
    let over = false;
    void ended.then(() => {
      over = true;
    });
    while (!over && sent < body.length) {
      sock.write(body.subarray(sent, sent + 256 * 1024));
      sent += 256 * 1024;
      await new Promise((r) => setTimeout(r, 10));
    }
    await ended;
    t.match(Buffer.concat(got).toString(), /nested deeper/, 'the answer, then the end of the connection');
    t.ok(sent < body.length, `the server closed its side after ${sent} of ${body.length} bytes`);
    sock.destroy();

    const other = await send('127.0.0.2');
    t.equal(other.writeError, undefined, 'another client still has its whole budget');
    t.match(other.body, /nested deeper/);
  },
);
