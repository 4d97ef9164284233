import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import t, { type Test } from 'tap';
import { createMetrics } from '../../src/api/metrics.js';
import { type AccessEntry, AccessLog } from '../../src/api/request-log.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { loggerOptions } from '../../src/log/logger.js';
import { GOLDEN_VER, goldenHive } from '../helpers/golden-hive.js';
import { logLines } from '../helpers/prom-text.js';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  method?: string;
  route?: string;
  url?: string;
  status?: number;
  ms?: number;
  client?: string;
  pid?: number;
}

/** A real server on 127.0.0.1 over the golden hive, logging into `lines`. */
async function server(t: Test, accessLog: boolean) {
  const h = goldenHive();
  const { lines, stream: sink } = logLines();
  const config = { ...h.config, accessLog };
  const app = await buildApp({
    config,
    logger: pino(loggerOptions('info'), sink),
    registryOptions: { pollMs: 0 },
    docs: false,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(async () => {
    await app.close();
    h.cleanup();
  });
  const requests = () => lines.filter((l) => l.msg === 'request') as unknown as Line[];
  return { url, app, lines, requests };
}

const lbcBody = JSON.stringify([{ cmd: 'struct', ver: GOLDEN_VER, arch: 'x86_64', struct: 'struct file' }]);

t.test('one access line per request: method, route, url, status, duration, client, request id', async (t) => {
  const s = await server(t, true);
  const a = await fetch(`${s.url}/lbc`, { method: 'POST', body: lbcBody });
  t.equal(a.status, 200);
  await a.arrayBuffer();
  const b = await fetch(`${s.url}/api/v1/kernels/x86_64/${GOLDEN_VER}`, {
    headers: { 'x-request-id': 'trace-42.a:b' },
  });
  t.equal(b.status, 200);
  await b.arrayBuffer();
  const c = await fetch(`${s.url}/no/such/route?q=1`, { headers: { 'x-request-id': 'bad id {"x"}' } });
  t.equal(c.status, 404);
  await c.arrayBuffer();
  const d = await fetch(`${s.url}/api/v1/compile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  t.equal(d.status, 400);
  await d.arrayBuffer();
  // onResponse runs once the answer is written; give the server that turn
  await new Promise((r) => setTimeout(r, 100));

  const got = s.requests();
  t.equal(got.length, 4, 'one line each');
  const [lbc, kernel, missing, compile] = got;
  t.match(lbc, {
    level: 30,
    method: 'POST',
    route: '/lbc',
    url: '/lbc',
    status: 200,
    client: '127.0.0.1',
    pid: process.pid,
  });
  t.type(lbc?.ms, 'number');
  t.ok((lbc?.ms ?? -1) >= 0 && (lbc?.ms ?? Infinity) < 60_000, `duration in ms: ${lbc?.ms}`);
  t.match(lbc?.reqId, new RegExp(`^${process.pid.toString(36)}-[0-9a-z]+$`), 'generated id');
  t.match(kernel, { method: 'GET', route: '/api/v1/kernels/:arch/:ver', status: 200 });
  t.equal(kernel?.reqId, 'trace-42.a:b', "the caller's X-Request-Id is kept");
  t.match(missing, { method: 'GET', route: 'unmatched', url: '/no/such/route?q=1', status: 404 });
  t.not(missing?.reqId, 'bad id {"x"}', 'an unsafe X-Request-Id is replaced');
  t.match(missing?.reqId, /^[0-9a-z]+-[0-9a-z]+$/);
  t.match(compile, { method: 'POST', route: '/api/v1/compile', status: 400 });
  t.equal(new Set(got.map((l) => l.reqId)).size, 4, 'ids differ');

  const long = await fetch(`${s.url}/${'x'.repeat(2000)}`);
  await long.arrayBuffer();
  await new Promise((r) => setTimeout(r, 100));
  const last = s.requests().at(-1);
  t.ok((last?.url?.length ?? 0) <= 257, 'a long URL is cut');
});

t.test('HTTP metrics count every route, compile and /lbc included', async (t) => {
  const s = await server(t, true);
  for (let i = 0; i < 2; i++) {
    const r = await fetch(`${s.url}/lbc`, { method: 'POST', body: lbcBody });
    await r.arrayBuffer();
  }
  const bad = await fetch(`${s.url}/api/v1/compile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  t.equal(bad.status, 400);
  await bad.arrayBuffer();
  const status = await fetch(`${s.url}/api/v1/compile/${'0'.repeat(64)}`);
  await status.arrayBuffer();
  const none = await fetch(`${s.url}/nothing-here`);
  t.equal(none.status, 404);
  await none.arrayBuffer();
  await new Promise((r) => setTimeout(r, 100));
  const text = await (await fetch(`${s.url}/metrics`)).text();
  t.match(text, /surfhive_http_requests_total\{route="\/lbc",method="POST",status="200"\} 2\n/);
  t.match(text, /surfhive_http_requests_total\{route="\/api\/v1\/compile",method="POST",status="400"\} 1\n/);
  t.match(
    text,
    new RegExp(
      `surfhive_http_requests_total\\{route="/api/v1/compile/:id",method="GET",status="${status.status}"\\} 1\\n`,
    ),
  );
  t.match(text, /surfhive_http_requests_total\{route="unmatched",method="GET",status="404"\} 1\n/);
  t.match(text, /surfhive_http_request_duration_seconds_count\{route="\/lbc",method="POST"\} 2\n/);
});

t.test('SURFHIVE_ACCESS_LOG=off: no access lines, metrics still counted', async (t) => {
  t.equal(loadConfig({}).accessLog, true, 'on by default');
  t.equal(loadConfig({ SURFHIVE_ACCESS_LOG: 'off' }).accessLog, false);
  t.throws(() => loadConfig({ SURFHIVE_ACCESS_LOG: 'maybe' }), /SURFHIVE_ACCESS_LOG must be one of on, off/);
  const s = await server(t, false);
  const r = await fetch(`${s.url}/lbc`, { method: 'POST', body: lbcBody });
  t.equal(r.status, 200);
  await r.arrayBuffer();
  await new Promise((r) => setTimeout(r, 100));
  t.same(s.requests(), [], 'no access line');
  const text = await (await fetch(`${s.url}/metrics`)).text();
  t.match(text, /surfhive_http_requests_total\{route="\/lbc",method="POST",status="200"\} 1\n/);
});

/** Lines as written, one string per `write`, from a logger whose clock stands still. */
function rawSink() {
  const writes: string[] = [];
  return { writes, stream: { write: (s: string) => writes.push(s) } };
}
const stillClock = { timestamp: () => ',"time":1700000000000' };

t.test('the access line is byte for byte the line pino writes for the same fields', async (t) => {
  const entries: AccessEntry[] = [
    {
      reqId: 'a1-2',
      method: 'POST',
      route: '/lbc',
      url: '/lbc',
      status: 200,
      ms: 0.123456,
      client: '127.0.0.1',
    },
    {
      reqId: 'x',
      method: 'GET',
      route: 'unmatched',
      url: '/é/"q"\\\n\t\u0001\ud800',
      status: 404,
      ms: 12,
      client: '::1',
    },
    {
      reqId: 'r',
      method: 'GET',
      route: '/api/v1/kernels/:arch/:ver',
      url: `/${'ü'.repeat(400)}`,
      status: 503,
      ms: 1e-9,
      client: undefined,
    },
    {
      reqId: 'trace-42.a:b',
      method: 'DELETE',
      route: '/a',
      url: '/a?x=1&y=</script>',
      status: 204,
      ms: 120_000.555,
      client: '10.0.0.1',
    },
  ];
  const ours = rawSink();
  const access = new AccessLog(
    createMetrics({ defaultMetrics: false }),
    pino({ ...loggerOptions('info'), ...stillClock }, ours.stream),
    true,
  );
  for (const e of entries) access.done(e);
  const theirs = rawSink();
  const reference = pino({ ...loggerOptions('info'), ...stillClock }, theirs.stream).child(
    {},
    { redact: [] },
  );
  for (const e of entries) {
    const url = e.url.length > 256 ? `${e.url.slice(0, 256)}…` : e.url;
    reference.info(
      {
        reqId: e.reqId,
        method: e.method,
        route: e.route,
        url,
        status: e.status,
        ms: Math.round(e.ms * 100) / 100,
        client: e.client,
      },
      'request',
    );
  }
  t.same(ours.writes, theirs.writes);
  t.equal(ours.writes.length, 4);
  t.notOk(ours.writes[2]?.includes('"client"'), 'no client, no key');

  // a logger that shapes its lines further is given the fields the ordinary way
  const mixed = rawSink();
  const withMixin = pino(
    { ...loggerOptions('info'), ...stillClock, mixin: () => ({ zone: 'b' }) },
    mixed.stream,
  );
  new AccessLog(createMetrics({ defaultMetrics: false }), withMixin, true).done(entries[0]!);
  t.match(JSON.parse(mixed.writes[0]!), { zone: 'b', reqId: 'a1-2', msg: 'request' });
  const quiet = rawSink();
  new AccessLog(
    createMetrics({ defaultMetrics: false }),
    pino(loggerOptions('warn'), quiet.stream),
    true,
  ).done(entries[0]!);
  t.same(quiet.writes, [], 'below its level, no line');
});

/** Runs `count` processes at once, each writing `lines` batched log lines of varied length to one stdout. */
function writers(count: number, lines: number, stdout: 'pipe' | number) {
  const script = `
    const { createLogger } = await import(${JSON.stringify(new URL('../../src/log/logger.ts', import.meta.url).pathname)});
    const log = createLogger('info', { batched: true });
    for (let i = 0; i < ${lines}; i++) log.info({ w: process.env.W, i, pad: 'x'.repeat((i * 37) % 700) }, 'line');
  `;
  const sh = Array.from(
    { length: count },
    (_, w) => `W=${w} "${process.execPath}" ${process.execArgv.join(' ')} --input-type=module -e "$S" &`,
  ).join(' ');
  return spawnSync('sh', ['-c', `${sh} wait`], {
    env: { ...process.env, S: script },
    stdio: ['ignore', stdout, 'pipe'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

function checkWhole(t: Test, text: string, count: number, lines: number) {
  const seen = Array.from({ length: count }, () => [] as number[]);
  let torn = 0;
  for (const l of text.split('\n')) {
    if (l === '') continue;
    try {
      const { w, i } = JSON.parse(l) as { w: string; i: number };
      seen[Number(w)]!.push(i);
    } catch {
      torn++;
    }
  }
  t.equal(torn, 0, 'no line torn or interleaved');
  for (const s of seen)
    t.same(
      s,
      Array.from({ length: lines }, (_, i) => i),
      'each process: every line, in order',
    );
}

t.test('processes sharing one pipe: every line whole (writes of at most 4 KiB)', async (t) => {
  const r = writers(3, 20_000, 'pipe');
  t.equal(r.status, 0, r.stderr);
  checkWhole(t, r.stdout, 3, 20_000);
});

t.test('processes sharing one log file: every line whole (batches up to 64 KiB)', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'surfhive-log-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'serve.log');
  const fd = openSync(file, 'w');
  const r = writers(3, 20_000, fd);
  closeSync(fd);
  t.equal(r.status, 0, r.stderr);
  checkWhole(t, readFileSync(file, 'utf8'), 3, 20_000);
});

t.test("serve's batched stdout: every line arrives, whole, including those waiting at exit", async (t) => {
  // 3000 lines, then exit at once: most are still waiting in the batch when the process ends.
  const script = `
    const { createLogger } = await import(${JSON.stringify(new URL('../../src/log/logger.ts', import.meta.url).pathname)});
    const log = createLogger('info', { batched: true });
    for (let i = 0; i < 3000; i++) log.info({ i, pad: 'x'.repeat(i % 300) }, 'line');
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  t.equal(r.status, 0, r.stderr);
  const out = r.stdout.split('\n').filter((l) => l !== '');
  t.equal(out.length, 3000);
  t.same(
    out.map((l) => (JSON.parse(l) as { i: number }).i),
    Array.from({ length: 3000 }, (_, i) => i),
    'in order, none lost or torn',
  );
});
