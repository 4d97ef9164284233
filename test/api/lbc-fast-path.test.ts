import http from 'node:http';
import pino from 'pino';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config/config.js';
import { loggerOptions } from '../../src/log/logger.js';
import { GOLDEN_VER, goldenHive } from '../helpers/golden-hive.js';
import { logLines } from '../helpers/prom-text.js';

/**
 * A real server over the golden hive; `fastify` counts the requests that
 * reached Fastify (its onRequest hooks), so a remembered /lbc reply answered
 * in front of it shows as a request that did not.
 */
async function server(t: Test, config: Partial<Config> = {}) {
  const h = goldenHive();
  const { lines, stream: sink } = logLines();
  const app = await buildApp({
    config: { ...h.config, lookupRateLimit: 0, ...config },
    logger: pino(loggerOptions('info'), sink),
    registryOptions: { pollMs: 0 },
    docs: false,
  });
  const seen = { fastify: 0 };
  app.addHook('onRequest', (_request, _reply, done) => {
    seen.fastify++;
    done();
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(async () => {
    await app.close();
    h.cleanup();
  });
  const access = () => lines.filter((l) => l.msg === 'request');
  return { url, app, seen, access };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A POST with exactly these body bytes; `chunked` sends no Content-Length. */
function post(url: string, body: string, chunked = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/lbc`, { method: 'POST', agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!chunked) req.setHeader('content-length', Buffer.byteLength(body));
    req.end(body);
  });
}

const struct = (name: string) =>
  JSON.stringify([{ cmd: 'struct', ver: GOLDEN_VER, arch: 'x86_64', struct: name }]);

t.test(
  'a remembered reply is answered in front of Fastify: same bytes, headers, metrics and access line',
  async (t) => {
    const s = await server(t);
    const body = struct('struct file');
    const first = await post(s.url, body);
    t.equal(first.status, 200);
    t.equal(s.seen.fastify, 1, 'the first answer is computed by the route');
    const again = await post(s.url, body);
    const third = await post(s.url, body);
    t.equal(s.seen.fastify, 1, 'the same body again never reaches Fastify');
    t.same(again.body, first.body, 'the same bytes');
    t.same(third.body, first.body);
    t.equal(again.status, 200);
    t.equal(again.headers['content-type'], first.headers['content-type']);
    t.equal(again.headers['content-length'], String(first.body.length));
    t.match(JSON.parse(first.body.toString('utf8')), { result: 'success', res: [{ log: 'ok.' }] });

    await new Promise((r) => setTimeout(r, 50));
    const lines = s.access();
    t.equal(lines.length, 3, 'an access line for each');
    for (const l of lines)
      t.match(l, { method: 'POST', route: '/lbc', url: '/lbc', status: 200, client: '127.0.0.1' });
    t.equal(new Set(lines.map((l) => l.reqId)).size, 3, 'one sequence of request ids for both paths');
    const text = await (await fetch(`${s.url}/metrics`)).text();
    t.match(text, /surfhive_http_requests_total\{route="\/lbc",method="POST",status="200"\} 3\n/);
    t.match(text, /surfhive_lbc_requests_total\{cmd="struct",outcome="ok"\} 3\n/);
  },
);

t.test('bodies the memo does not hold go on to Fastify with the bytes already read', async (t) => {
  const s = await server(t);
  const a = await post(s.url, struct('struct file'));
  const b = await post(s.url, struct('struct inode'));
  t.equal(s.seen.fastify, 2);
  t.not(a.body.toString(), b.body.toString(), 'each body its own answer');
  t.match(JSON.parse(b.body.toString('utf8')), { res: [{ log: 'ok.' }] });

  const notJson = await post(s.url, '[{"cmd":');
  t.match(JSON.parse(notJson.body.toString('utf8')), { status: false, res: [{ log: /not valid JSON/ }] });

  // The shape limits hold for a body read in front of Fastify as for one streamed to it.
  const deep = `${'['.repeat(40)}${']'.repeat(40)}`;
  const read = await post(s.url, deep);
  const streamed = await post(s.url, deep, true);
  t.equal(streamed.status, read.status, `status ${read.status} either way`);
  t.same(JSON.parse(read.body.toString('utf8')), JSON.parse(streamed.body.toString('utf8')));
  t.match(JSON.parse(read.body.toString('utf8')), { res: [{ log: /nested deeper than/ }] });

  const viaChunks = await post(s.url, struct('struct file'), true);
  t.same(viaChunks.body, a.body, 'a chunked body gets the same answer through Fastify');
});

t.test('lookup budgets count remembered replies once each; past the budget, the 429 envelope', async (t) => {
  const s = await server(t, { lookupRateLimit: 3, rateWindowMs: 60_000 });
  const body = struct('struct file');
  const answers: Answer[] = [];
  for (let i = 0; i < 5; i++) answers.push(await post(s.url, body));
  t.same(
    answers.map((a) => a.status),
    [200, 200, 200, 429, 429],
    'three lookups pass (one through Fastify, two remembered), then the budget is spent',
  );
  t.equal(s.seen.fastify, 3, 'the refusals are written by Fastify’s error handling');
  t.match(JSON.parse(answers[3]!.body.toString('utf8')), { res: [{ log: /too many lookup requests/ }] });
  t.ok(Number(answers[3]!.headers['retry-after']) >= 1);
});

t.test('a closing server answers with 503 instead of remembered replies', async (t) => {
  const s = await server(t);
  const body = struct('struct file');
  await post(s.url, body);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const keep = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = http.request(`${s.url}/lbc`, { method: 'POST', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  t.equal(await keep(), 200, 'remembered, over a kept-alive connection');
  const closing = s.app.close();
  const during = await keep().catch(() => 0);
  t.ok(during === 503 || during === 0, `a request on the open connection while closing: ${during}`);
  await closing;
  agent.destroy();
});
