import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import t from 'tap';
import { hashToken } from '../../src/api/auth.js';
import { installErrorHandling } from '../../src/api/errors.js';
import { ingestRoutes } from '../../src/api/rest/ingest.js';
import { loadConfig } from '../../src/config/config.js';
import { builtinCatalog } from '../../src/ingest/catalog.js';
import { ingestQueue } from '../../src/jobs/ingest.js';
import { RUNNER } from '../helpers/tools.js';
import { debKey, ingestMirror, KVERS, kernelState } from './helpers/ingest-mirror.js';

const m = await ingestMirror();
t.teardown(m.close);
const TOKEN = 'op-secret-token-1';
const hive = path.join(m.root, 'hive');
const logger = pino({ level: 'silent' });
const config = loadConfig(
  { SURFHIVE_OPERATOR_TOKEN_HASHES: ` ${hashToken('other')}, ${hashToken(TOKEN)} ` },
  { hive },
);

async function app(hashes: string[]): Promise<FastifyInstance> {
  const q = await ingestQueue(config, hive, logger, {
    runner: RUNNER,
    name: 'ingest-rest',
    download: { retryBaseMs: 10, stallTimeoutMs: 500, retries: 1 },
    retry: { retries: 1, baseDelayMs: 10 },
  });
  // the app's own validator settings (src/app.ts): unknown properties are refused, not stripped
  const a = Fastify({ ajv: { customOptions: { removeAdditional: false, allErrors: false } } });
  installErrorHandling(a);
  await a.register(
    async (api) =>
      ingestRoutes(api, { queue: q.queue, operatorTokenHashes: hashes, catalog: builtinCatalog() }),
    {
      prefix: '/api/v1',
    },
  );
  a.addHook('onClose', () => q.close());
  await a.ready();
  return a;
}

const api = await app(config.operatorTokenHashes);
t.teardown(() => api.close());
const auth = { authorization: `Bearer ${TOKEN}` };
const post = (payload: unknown, headers: Record<string, string> = auth) =>
  api.inject({ method: 'POST', url: '/api/v1/ingest', payload: payload as object, headers });
const get = (id: string, headers: Record<string, string> = auth) =>
  api.inject({ method: 'GET', url: `/api/v1/ingest/${id}`, headers });

async function settle(id: string) {
  for (let i = 0; i < 600; i++) {
    const r = (await get(id)).json();
    if (r.status === 'completed' || r.status === 'failed') return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('job did not settle');
}

t.test('config keeps only sha256 hashes of tokens', async (t) => {
  t.same(config.operatorTokenHashes, [hashToken('other'), hashToken(TOKEN)]);
  t.match(hashToken(TOKEN), /^[0-9a-f]{64}$/);
  t.throws(() => loadConfig({ SURFHIVE_OPERATOR_TOKEN_HASHES: 'plain-token' }), /sha256 hex/);
});

t.test('no token: 401; a wrong one: 403; none configured: 401/403 saying how to make one', async (t) => {
  const body = { release: 'debian', version: KVERS[2], arch: 'x86_64', mirrors: m.mirrors };
  const none = await post(body, {});
  t.equal(none.statusCode, 401);
  t.equal(none.json().code, 'SURFHIVE_ERR_UNAUTHORIZED');
  t.equal(none.headers['www-authenticate'], 'Bearer');
  const basic = await post(body, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
  t.equal(basic.statusCode, 401);
  const wrong = await post(body, { authorization: 'Bearer not-the-token' });
  t.equal(wrong.statusCode, 403);
  t.equal(wrong.json().code, 'SURFHIVE_ERR_FORBIDDEN');
  t.notMatch(wrong.body, /not-the-token/, 'the token is not echoed');
  t.equal((await get(`ingest-x86_64-debian-${KVERS[2]}`, {})).statusCode, 401, 'status needs a token too');
  const closed = await app([]);
  t.teardown(() => closed.close());
  const r = await closed.inject({ method: 'POST', url: '/api/v1/ingest', payload: body, headers: auth });
  t.equal(r.statusCode, 403);
  t.match(r.json().message, /this server has none configured: make one with `surfhive token new`/);
  const bare = await closed.inject({ method: 'POST', url: '/api/v1/ingest', payload: body });
  t.equal(bare.statusCode, 401);
  t.equal(bare.headers['www-authenticate'], 'Bearer');
  t.match(
    bare.json().message,
    /an operator token is required, and this server has none configured: make one with `surfhive token new` and restart the server with SURFHIVE_OPERATOR_TOKEN_HASHES set/,
  );
  t.match(
    none.json().message,
    /^an operator token is required \(Authorization: Bearer/,
    'with tokens configured: the usual 401',
  );
  t.equal(await kernelState(hive, debKey(KVERS[2])), 'absent', 'nothing ran');
});

t.test('bad bodies are 400 with a coded error', async (t) => {
  for (const body of [
    { release: 'debian' },
    { release: 'debian', version: '../../etc' },
    { release: 'Debian!', version: '6.1.0-60-amd64' },
    { release: 'debian', version: '6.1.0-60-amd64', arch: 'sparc' },
    { release: 'debian', version: '6.1.0-60-amd64', mirrors: { debian: 'file:///etc' } },
    { release: 'debian', version: '6.1.0-60-amd64', mirrors: { '../x': 'http://127.0.0.1/' } },
    { release: 'debian', version: '6.1.0-60-amd64', mirrors: { debain: 'http://127.0.0.1/' } },
    { release: 'debian', version: '6.1.0-60-amd64', mirrors: { 'debian.nosuchbase': 'http://127.0.0.1/' } },
    { release: 'debian', version: '6.1.0-60-amd64', extra: 1 },
  ]) {
    const r = await post(body);
    t.equal(r.statusCode, 400, JSON.stringify(body));
    t.match(r.json().code, /^SURFHIVE_ERR_(INVALID_FIELD|BAD_REQUEST)$/);
  }
  t.equal((await get('ingest-x86_64-debian-9.9.9')).statusCode, 404);
  t.equal((await get('ingest-x86_64-debian-9.9.9')).json().code, 'SURFHIVE_ERR_JOB_NOT_FOUND');
  t.equal((await get('..%2Fetc')).statusCode, 400);
});

t.test('ingest through the API: one job per kernel, status, progress, log', async (t) => {
  const body = { release: 'debian', version: KVERS[2], arch: 'x86_64', mirrors: m.mirrors };
  const first = await post(body);
  t.equal(first.statusCode, 202);
  const { id } = first.json();
  t.equal(id, `ingest-x86_64-debian-${KVERS[2]}`);
  const second = await post(body);
  t.equal(second.json().id, id, 'the same kernel joins the running job');
  t.not(second.json().status, 'completed');
  const done = await settle(id);
  t.equal(done.status, 'completed', JSON.stringify(done));
  t.same(done.kernel, debKey(KVERS[2]));
  t.equal(done.published, true);
  t.match(done.progress, { phase: 'done', percent: 100 });
  t.match(done.log.join('\n'), /resolving debian[\s\S]*sha256 verified[\s\S]*is in the hive/);
  t.equal(done.attempts, 1, 'ran once');
  t.equal(await kernelState(hive, debKey(KVERS[2])), 'complete');

  const before = m.mirror.requests.length;
  const again = await post(body);
  t.same(again.json(), { id, status: 'completed' }, 'a re-run after success is a no-op');
  t.equal(m.mirror.requests.length, before, 'not even the index is read');

  const forced = await post({ ...body, force: true });
  t.equal(forced.json().status, 'waiting', 'force runs it again');
  const f = await settle(id);
  t.equal(f.status, 'completed');
  t.equal(f.published, true);
});

t.test('a failed job shows its error; a later POST runs it again', async (t) => {
  m.mirror.faults.set(m.urlPath(KVERS[0]), { kind: 'status', status: 404 });
  const body = { release: 'debian', version: KVERS[0], arch: 'x86_64', mirrors: m.mirrors };
  const { id } = (await post(body)).json();
  const failed = await settle(id);
  t.equal(failed.status, 'failed');
  t.match(failed.error, /HTTP 404/);
  t.notMatch(failed.error, m.root);
  t.equal(await kernelState(hive, debKey(KVERS[0])), 'absent');
  m.mirror.faults.clear();
  const retry = await post(body);
  t.equal(retry.json().id, id);
  t.equal(retry.json().status, 'waiting');
  const ok = await settle(id);
  t.equal(ok.status, 'completed');
  t.equal(await kernelState(hive, debKey(KVERS[0])), 'complete');
});
