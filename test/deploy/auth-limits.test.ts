import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import t from 'tap';
import { hashToken } from '../../src/api/auth.js';
import { COMPILE_NEEDS_TOKEN_LOG } from '../../src/api/lbc/compile-commands.js';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config/config.js';
import { lbc } from '../helpers/app.js';
import { bpfFixture } from '../helpers/fixtures.js';
import { localHive } from '../helpers/local-hive.js';

async function appWith(overrides: Partial<Config>) {
  const h = await localHive(overrides);
  const app = await buildApp({ config: h.config, registryOptions: { pollMs: 0 }, docs: false });
  await app.ready();
  return {
    app,
    key: h.key,
    close: async () => {
      await app.close();
      h.cleanup();
    },
  };
}

if (!existsSync('/sys/kernel/btf/vmlinux')) {
  t.plan(0, 'this kernel has no BTF: no local kernel to compile against');
} else {
  t.test(
    'compile by token: REST needs a compile or operator token, /lbc says so, lookups stay open',
    async (t) => {
      const compileToken = randomBytes(16).toString('hex');
      const operatorToken = randomBytes(16).toString('hex');
      const s = await appWith({
        compileAuth: 'token',
        compileTokenHashes: [hashToken(compileToken)],
        operatorTokenHashes: [hashToken(operatorToken)],
      });
      t.teardown(s.close);
      const { arch, ver } = s.key;
      const body = { arch, ver, output: 'o', source: bpfFixture('hello') };
      const none = await s.app.inject({ method: 'POST', url: '/api/v1/compile', payload: body });
      t.equal(none.statusCode, 401);
      t.equal(none.headers['www-authenticate'], 'Bearer');
      t.match(none.json(), { code: 'SURFHIVE_ERR_UNAUTHORIZED', message: /compile token/ });
      const wrong = await s.app.inject({
        method: 'POST',
        url: '/api/v1/compile',
        payload: body,
        headers: { authorization: 'Bearer nope' },
      });
      t.equal(wrong.statusCode, 403);
      let compiled = '';
      for (const token of [compileToken, operatorToken]) {
        const ok = await s.app.inject({
          method: 'POST',
          url: '/api/v1/compile?wait=30',
          payload: body,
          headers: { authorization: `Bearer ${token}` },
        });
        t.equal(ok.statusCode, 200, ok.body);
        t.match(ok.json(), { status: 'completed' });
        const status = await s.app.inject({ url: `/api/v1/compile/${ok.json().id}` });
        t.equal(status.statusCode, 401, 'job status is protected as well');
        compiled = ok.json().id;
      }
      // a CO-RE check of a compile job's output: that output is for token holders only
      const check = (headers = {}) =>
        s.app.inject({ method: 'POST', url: `/api/v1/core/check?compile=${compiled}`, headers });
      const anonymous = await check();
      t.equal(anonymous.statusCode, 401);
      t.match(anonymous.json(), { code: 'SURFHIVE_ERR_UNAUTHORIZED', message: /compile token/ });
      t.equal((await check({ authorization: 'Bearer nope' })).statusCode, 403);
      const checked = await check({ authorization: `Bearer ${compileToken}` });
      t.equal(checked.statusCode, 200, checked.body);
      t.match(checked.json(), { kernels: [{ loads: Boolean }] }, 'the matrix, with the token');
      const legacy = await lbc(s.app, [{ cmd: 'c', ver, arch, code: bpfFixture('hello') }]);
      t.equal(legacy.status, 200);
      t.same((legacy.json.res as unknown[])[0], { log: COMPILE_NEEDS_TOKEN_LOG, so: null, clog: '' });
      const lookup = await lbc(s.app, [{ cmd: 'struct', ver, arch, struct: 'struct task_struct' }]);
      t.match((lookup.json.res as { log: string }[])[0]?.log, 'ok.', 'lookups need no token');
    },
  );

  t.test(
    'rate limits per group: 429 with Retry-After, probes exempt; a full queue is 503 with Retry-After',
    async (t) => {
      const s = await appWith({
        lookupRateLimit: 3,
        compileRateLimit: 2,
        rateWindowMs: 60_000,
        maxCompileBacklog: 0,
      });
      t.teardown(s.close);
      const { arch, ver } = s.key;
      for (let i = 0; i < 3; i++) {
        const r = await s.app.inject({ url: `/api/v1/kernels/${arch}/${ver}` });
        t.not(r.statusCode, 429, `lookup ${i + 1} passes`);
      }
      const shed = await s.app.inject({ url: `/api/v1/kernels/${arch}/${ver}` });
      t.equal(shed.statusCode, 429);
      t.match(shed.json(), { code: 'SURFHIVE_ERR_RATE_LIMITED' });
      t.ok(Number(shed.headers['retry-after']) >= 1, `Retry-After: ${shed.headers['retry-after']}`);
      const legacy = await lbc(s.app, [{ cmd: 'struct', ver, arch, struct: 'struct task_struct' }]);
      t.equal(legacy.status, 429, '/lbc is shed with its envelope');
      t.match(legacy.json, { res: [{ log: /too many lookup requests/ }] });
      t.ok(legacy.headers['retry-after']);
      t.equal((await s.app.inject({ url: '/healthz' })).statusCode, 200, 'probes are exempt');
      t.equal((await s.app.inject({ url: '/metrics' })).statusCode, 200);

      // compile submissions have their own budget; the queue bound (0 here) answers 503 before it runs out
      const post = (i: number) =>
        s.app.inject({
          method: 'POST',
          url: '/api/v1/compile',
          payload: { arch, ver, output: 'o', source: `${bpfFixture('hello')}\n// ${i}\n` },
        });
      const full = await post(1);
      t.equal(full.statusCode, 503);
      t.match(full.json(), { code: 'SURFHIVE_ERR_QUEUE_FULL' });
      t.equal(full.headers['retry-after'], '10');
      t.equal((await post(2)).statusCode, 503);
      const limited = await post(3);
      t.equal(limited.statusCode, 429, 'third compile of the window is rate limited');
    },
  );

  t.test('worker upload route: only worker tokens, artifact checked, result then served', async (t) => {
    const workerToken = randomBytes(16).toString('hex');
    const s = await appWith({ workerTokenHashes: [hashToken(workerToken)] });
    t.teardown(s.close);
    const key = randomBytes(32).toString('hex');
    const artifact = Buffer.from('\x7fELF fake object bytes');
    const outcome = {
      status: 'completed',
      output: 'o',
      clog: '',
      artifact: { size: artifact.length, sha256: createHash('sha256').update(artifact).digest('hex') },
    };
    const put = (payload: unknown, token?: string) =>
      s.app.inject({
        method: 'PUT',
        url: `/api/v1/internal/compile/${key}`,
        payload: payload as Record<string, unknown>,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    t.equal((await put({ outcome, artifact: artifact.toString('base64') })).statusCode, 401);
    t.equal((await put({ outcome, artifact: artifact.toString('base64') }, 'other')).statusCode, 403);
    const bad = await put({ outcome, artifact: Buffer.from('else').toString('base64') }, workerToken);
    t.equal(bad.statusCode, 400);
    t.match(bad.json(), { message: /does not match/ });
    t.equal((await put({ outcome }, workerToken)).statusCode, 400, 'completed needs its artifact');
    t.equal((await put({ outcome, artifact: artifact.toString('base64') }, workerToken)).statusCode, 204);
    const status = await s.app.inject({ url: `/api/v1/compile/${key}` });
    t.match(status.json(), { status: 'completed', artifact: { size: artifact.length } });
    const bytes = await s.app.inject({ url: `/api/v1/compile/${key}/artifact` });
    t.same(bytes.rawPayload, artifact);
  });
}
