import { existsSync, mkdirSync, readdirSync, statSync, utimesSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { hashToken } from '../../src/api/auth.js';
import { buildApp } from '../../src/app.js';
import { bpfFixture } from '../helpers/fixtures.js';
import { localHive } from '../helpers/local-hive.js';

/**
 * The attack classes of issue 12 against a real server (sockets, clang, bubblewrap):
 * each gets a clear answer within its deadline, nothing oversized is stored, no
 * scratch is left, and legitimate requests keep working.
 */
if (!existsSync('/sys/kernel/btf/vmlinux')) {
  t.plan(0, 'this kernel has no BTF: no local kernel to compile against');
} else {
  const DEADLINE = 12_000;
  const CAP = 1024 * 1024;
  const h = await localHive({
    compileDeadlineMs: DEADLINE,
    artifactMaxBytes: CAP,
    compileRateLimit: 40,
    koRateLimit: 2,
    lbcBodyLimit: 256 * 1024,
    pchCacheDir: undefined,
  });
  // What a crashed process left: a job directory and an upload, both an hour old.
  const stale = [
    path.join(h.config.workDir, 'compile', 'job-crashed'),
    path.join(h.config.workDir, 'ko', 'ko-1-x'),
  ];
  const hourAgo = new Date(Date.now() - 3600_000);
  for (const d of stale) {
    mkdirSync(d, { recursive: true });
    utimesSync(d, hourAgo, hourAgo);
  }
  const app: FastifyInstance = await buildApp({
    config: h.config,
    registryOptions: { pollMs: 0 },
    docs: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  t.teardown(async () => {
    await app.close();
    h.cleanup();
  });
  const { arch, ver } = h.key;
  const lbc = async (body: string, headers: Record<string, string> = {}) => {
    const t0 = performance.now();
    const r = await fetch(`${base}/lbc`, { method: 'POST', body, headers });
    const text = await r.text();
    return { status: r.status, text, ms: performance.now() - t0 };
  };
  const first = (text: string) => (JSON.parse(text) as { res: Record<string, unknown>[] }).res[0]!;
  const obj = (code: string) => JSON.stringify([{ cmd: 'obj', ver, arch, code, env: '' }]);

  t.test('startup removed the stale scratch', async (t) => {
    for (const d of stale) t.notOk(existsSync(d), `${path.basename(d)} removed`);
  });

  t.test('.incbin of a large toolchain file: refused at the artifact cap, nothing stored', async (t) => {
    const big = readdirSync('/usr/lib/x86_64-linux-gnu')
      .map((f) => path.join('/usr/lib/x86_64-linux-gnu', f))
      .filter((f) => statSync(f).isFile())
      .sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    t.ok(statSync(big).size > CAP * 4, 'a file far larger than the cap');
    const code = `#include "lbc.h"\nasm(".incbin \\"${big}\\"");\nchar _license[] SEC("license") = "GPL";\n`;
    const r = await lbc(obj(code));
    const res = first(r.text);
    t.equal(res.obj, null);
    // On a loaded machine parsing vmlinux.h may use the whole deadline first: either bound answers.
    t.match(res.log, /larger than 1048576 bytes|timed out/);
    t.ok(r.ms < DEADLINE + 5_000, `answered in ${Math.round(r.ms)} ms`);
    for (const entry of readdirSync(h.config.compileCacheDir).filter((k) => /^[0-9a-f]{64}$/.test(k))) {
      const a = path.join(h.config.compileCacheDir, entry, 'artifact');
      if (existsSync(a)) t.ok(statSync(a).size <= CAP, 'no cached artifact above the cap');
    }
  });

  t.test(
    '.incbin of a terminal or an endless device: no terminal, and the deadline ends the job',
    async (t) => {
      for (const dev of ['/dev/ptmx', '/dev/tty']) {
        const r = await lbc(obj(`asm(".incbin \\"${dev}\\"");\n`));
        t.match(first(r.text).log, /compile failed/, dev);
        t.match(first(r.text).clog, /Could not find incbin file/, `${dev} is not in the sandbox`);
      }
      const r = await lbc(
        JSON.stringify([{ cmd: 'c', ver, arch, code: 'asm(".incbin \\"/dev/zero\\"");\n', env: '' }]),
      );
      // Whichever binds first ends it: the job's deadline, or its memory limit while clang reads on.
      t.match(first(r.text).log, /timed out|compile failed/);
      t.ok(
        r.ms < DEADLINE + 5_000,
        `so (compile + probes + link) ended at the one deadline: ${Math.round(r.ms)} ms`,
      );
    },
  );

  t.test('6 MB of nested [ is refused without blocking the loop', async (t) => {
    const health = (async () => {
      const t0 = performance.now();
      await fetch(`${base}/healthz`);
      return performance.now() - t0;
    })();
    const r = await lbc('['.repeat(6 * 1024 * 1024));
    t.ok(r.status === 413 || /nested deeper|too large/.test(r.text), r.text.slice(0, 200));
    t.ok((await health) < 2_000, 'the health check was answered meanwhile');
    const rest = await fetch(`${base}/api/v1/compile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"a":${'['.repeat(500_000)}`,
    });
    t.equal(rest.status, 400, 'REST bodies are checked the same way');
    t.match(await rest.text(), /nested deeper than 32/);
  });

  t.test('a lookup body above the small limit is refused; only ko may be large', async (t) => {
    const pad = 'x'.repeat(300 * 1024);
    const r = await lbc(JSON.stringify([{ cmd: 'struct', ver, arch, name: 'task_struct', pad }]));
    t.equal(r.status, 413);
  });

  t.test('the kernel=auto script: checked Host, no-store', async (t) => {
    const r = await fetch(`${base}/api/v1/surftrace?kernel=auto&e=p%20wake_up_new_task`);
    t.equal(r.headers.get('cache-control'), 'no-store');
    t.match(await r.text(), new RegExp(base.replace(/[./]/g, '\\$&')));
  });

  t.test('the kernel=auto script: a forged Host gets 400, never a script that embeds it', async (t) => {
    const { port } = new URL(base);
    const forged = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port,
          path: '/api/v1/surftrace?kernel=auto&e=p%20wake_up_new_task',
          headers: { host: "evil.example';rm -rf /" },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
    });
    t.equal(forged.status, 400);
    t.notMatch(forged.text, /rm -rf/);
  });

  t.test('a legitimate compile still works and is cached', async (t) => {
    const r = await lbc(obj(bpfFixture('hello')));
    t.equal(first(r.text).log, 'ok.');
  });

  t.test('no job scratch is left', async (t) => {
    const left = (d: string) => (existsSync(d) ? readdirSync(d) : []);
    t.same(left(path.join(h.config.workDir, 'compile')), []);
    t.same(left(path.join(h.config.workDir, 'ko')), []);
  });
}

t.test('compile and ko rate limits count each parsed object, however cmd is spelled', async (t) => {
  const h = await localHive({ compileRateLimit: 3, koRateLimit: 1, compileAuth: 'token' });
  h.config.compileTokenHashes = [hashToken('secret')];
  const app = await buildApp({ config: h.config, registryOptions: { pollMs: 0 }, docs: false });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    h.cleanup();
  });
  const { arch, ver } = h.key;
  const spelled = `{"cmd":"\\u006fbj","ver":"${ver}","arch":"${arch}","code":"int x;"}`;
  const r = await app.inject({
    method: 'POST',
    url: '/lbc',
    payload: `[${[spelled, spelled, spelled, spelled].join(',')}]`,
  });
  t.equal(r.statusCode, 429, 'four compiles in one body are four');
  const ko = await app.inject({
    method: 'POST',
    url: '/lbc',
    payload: JSON.stringify([{ cmd: 'ko', ver, arch, kos: { 'a.ko': 'AAAA' } }]),
  });
  t.match(ko.json().res[0].log, /need a token/, 'ko needs the token like compiles');
  const again = await app.inject({
    method: 'POST',
    url: '/lbc',
    payload: JSON.stringify([{ cmd: 'ko', ver, arch, kos: { 'a.ko': 'AAAA' } }]),
  });
  t.equal(again.statusCode, 429, 'ko has its own budget');
});
