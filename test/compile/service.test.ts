import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { lbc } from '../helpers/app.js';
import { bpfFixture } from '../helpers/fixtures.js';
import { localHive } from '../helpers/local-hive.js';

if (!existsSync('/sys/kernel/btf/vmlinux')) {
  t.plan(0, 'this kernel has no BTF: no local kernel to compile against');
} else {
  const h = await localHive();
  const app = await buildApp({ config: h.config, registryOptions: { pollMs: 0 }, docs: false });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    h.cleanup();
  });
  const { arch, ver } = h.key;
  const post = (body: Record<string, unknown>, wait = 30) =>
    app.inject({ method: 'POST', url: `/api/v1/compile?wait=${wait}`, payload: { arch, ver, ...body } });

  t.test('REST: .so and .o compile, then identical requests come from the cache', async (t) => {
    const so = await post({ source: bpfFixture('hello'), output: 'so' });
    t.equal(so.statusCode, 200, so.body);
    const status = so.json();
    t.match(status, {
      status: 'completed',
      cached: false,
      artifact: { size: Number, sha256: /^[0-9a-f]{64}$/ },
    });
    const art = await app.inject({ url: status.artifact.url });
    t.equal(art.statusCode, 200);
    t.equal(art.rawPayload.subarray(0, 4).toString('latin1'), '\x7fELF');
    t.equal(art.rawPayload.length, status.artifact.size);

    const started = performance.now();
    const again = await post({ source: bpfFixture('hello'), output: 'so' });
    t.match(again.json(), { id: status.id, status: 'completed', cached: true });
    t.ok(performance.now() - started < 1000, 'cache hit answers at once');

    const obj = await post({ source: bpfFixture('hash_map'), output: 'o' });
    t.match(obj.json(), { status: 'completed' });
    t.not(obj.json().id, status.id);
    const log = await app.inject({ url: `/api/v1/compile/${obj.json().id}/log` });
    t.equal(log.statusCode, 200);
  });

  t.test('concurrent identical requests compile once', async (t) => {
    const source = `${bpfFixture('event_out')}\n/* concurrency ${Date.now()} */\n`;
    const replies = await Promise.all(Array.from({ length: 6 }, () => post({ source, output: 'o' }, 0)));
    const ids = new Set(replies.map((r) => r.json().id));
    t.equal(ids.size, 1, 'one job id');
    t.ok(replies.every((r) => r.statusCode === 202 || r.statusCode === 200));
    const [id] = ids;
    const done = await app.inject({ url: `/api/v1/compile/${id}?wait=30` });
    t.match(done.json(), { status: 'completed' });
  });

  t.test('a compile error fails at once with the compiler message, in job paths', async (t) => {
    const r = await post({ source: bpfFixture('bad_syntax'), output: 'so' });
    t.equal(r.statusCode, 200);
    const s = r.json();
    t.equal(s.status, 'failed');
    t.match(s.clog, /bpf\.c:6:\d+: error/);
    t.notMatch(s.clog, /\/work\/|\/tmp\/|\/root\//, 'no host path');
    const log = await app.inject({ url: `/api/v1/compile/${s.id}/log` });
    t.match(log.body, /bpf\.c:6/);
    const art = await app.inject({ url: `/api/v1/compile/${s.id}/artifact` });
    t.equal(art.statusCode, 404);
  });

  t.test('host includes leak nothing', async (t) => {
    const r = await post({ source: bpfFixture('bad_host_include'), output: 'so' });
    const text = r.body;
    t.not(r.json().status, 'completed');
    for (const line of readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .filter((l) => l.length > 8)) {
      t.notOk(text.includes(line), 'no /etc/passwd line in the answer');
    }
    t.notMatch(text, /PATH=|HOME=/, 'no environment');
  });

  t.test('bad requests: clear errors before anything runs', async (t) => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ source: 'int x;', output: 'so', env: '-fplugin=/tmp/evil.so' }, 400, 'SURFHIVE_ERR_BAD_FLAGS'],
      [
        { source: 'int x;', output: 'so', env: '-Xclang -load -Xclang /tmp/x.so' },
        400,
        'SURFHIVE_ERR_BAD_FLAGS',
      ],
      [{ source: 'int x;', output: 'so', env: '-include /etc/passwd' }, 400, 'SURFHIVE_ERR_BAD_FLAGS'],
      [{ source: 'int x;', output: 'so', env: '@/etc/passwd' }, 400, 'SURFHIVE_ERR_BAD_FLAGS'],
      [{ source: 'int x;', output: 'so', env: '-o /etc/passwd' }, 400, 'SURFHIVE_ERR_BAD_FLAGS'],
      [{ source: 'int x;', output: 'so', ver: '0.0.0-unknown' }, 404, 'SURFHIVE_ERR_KERNEL_NOT_FOUND'],
      [{ source: 'int x;', output: 'exe' }, 400, 'SURFHIVE_ERR_INVALID_FIELD'],
      [{ source: '', output: 'so' }, 400, 'SURFHIVE_ERR_INVALID_FIELD'],
    ];
    for (const [body, status, code] of cases) {
      const r = await post(body, 0);
      t.equal(r.statusCode, status, JSON.stringify(body));
      t.equal(r.json().code, code);
      t.notMatch(r.body, /\/etc\/passwd|\/tmp\//, 'no echo of paths');
    }
    const huge = await app.inject({
      method: 'POST',
      url: '/api/v1/compile',
      payload: { arch, ver, output: 'so', source: 'x'.repeat(100 * 1024 * 1024) },
    });
    t.equal(huge.statusCode, 413, '100 MB source refused');
    const unknownJob = await app.inject({ url: `/api/v1/compile/${'0'.repeat(64)}` });
    t.equal(unknownJob.statusCode, 404);
  });

  t.test('sources that include /dev/zero or expand a macro bomb fail within limits', async (t) => {
    // The sandbox's /dev/zero reads as an empty header (clang sizes files by stat): harmless either way.
    const zero = await post({ source: '#include "lbc.h"\n#include "/dev/zero"\n', output: 'o' });
    t.match(zero.json().status, /^(failed|completed)$/, 'answered, not hung');
    const bomb = [
      '#define A0 x x x x x x x x x x',
      ...Array.from(
        { length: 12 },
        (_, i) => `#define A${i + 1} A${i} A${i} A${i} A${i} A${i} A${i} A${i} A${i} A${i} A${i}`,
      ),
      'int v = A12;',
    ].join('\n');
    const r = await post({ source: bomb, output: 'o' });
    t.equal(r.json().status, 'failed', 'the bomb is stopped');
    const after = await post({ source: bpfFixture('hello'), output: 'o' });
    t.equal(after.json().status, 'completed', 'the pool still works');
  });

  t.test('legacy c and obj commands', async (t) => {
    const so = await lbc(app, [{ cmd: 'c', ver, arch, code: bpfFixture('hash_map'), env: '' }]);
    const res = (so.json.res as Record<string, unknown>[])[0]!;
    t.equal(res.log, 'ok.');
    t.equal(
      Buffer.from(res.so as string, 'base64')
        .subarray(1, 4)
        .toString(),
      'ELF',
    );
    const obj = await lbc(app, [
      { cmd: 'obj', ver, arch, code: bpfFixture('dynamic_filter'), env: '-DWATCH_TGID=1234' },
    ]);
    t.equal((obj.json.res as Record<string, unknown>[])[0]!.log, 'ok.');
    const bad = await lbc(app, [{ cmd: 'c', ver, arch, code: bpfFixture('bad_syntax'), env: '' }]);
    const b = (bad.json.res as Record<string, unknown>[])[0]!;
    t.not(b.log, 'ok.');
    t.equal(b.so, null);
    t.match(b.clog, /bpf\.c:6:\d+: error/);
    const flags = await lbc(app, [{ cmd: 'c', ver, arch, code: 'int x;', env: '-fplugin=x.so' }]);
    t.match((flags.json.res as Record<string, unknown>[])[0], { so: null, clog: '' });
    const unknown = await lbc(app, [{ cmd: 'c', ver: '1.2.3', arch, code: 'int x;' }]);
    t.equal((unknown.json.res as Record<string, unknown>[])[0]!.log, 'version not support.');
  });
}
