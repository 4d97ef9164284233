import { spawnSync } from 'node:child_process';
import pino from 'pino';
import t, { type Test } from 'tap';
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
