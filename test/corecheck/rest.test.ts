import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import type { CoreMatrix } from '../../src/corecheck/types.js';
import { runTool } from '../../src/sandbox/exec.js';
import { buildFixtures, buildLoader, FIXTURES, fixtureHive } from './fixtures.js';

// The REST routes over a hive holding this machine's kernel and a stand-in old kernel.
const fx = await buildFixtures();
t.teardown(fx.cleanup);
const hive = fixtureHive(fx, os.release());
const workDir = path.join(fx.dir, 'work');
const app: FastifyInstance = await buildApp({
  config: loadConfig({}, { hive, workDir, logLevel: 'silent' }),
  registryOptions: { pollMs: 0, watch: false },
  docs: false,
});
await app.ready();
t.teardown(() => app.close());

function multipart(file: Buffer, field = 'object') {
  const boundary = '----surfhivecore';
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="${field}"; filename="prog.bpf.o"\r\ncontent-type: application/octet-stream\r\n\r\n`;
  return {
    payload: Buffer.concat([Buffer.from(head), file, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

const post = (url: string, file: Buffer, field?: string) =>
  app.inject({ method: 'POST', url, ...multipart(file, field) });

/** The archive is removed once its stream closes, just after the reply. */
async function settled() {
  for (let i = 0; i < 50 && leftovers().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
}

const leftovers = () =>
  existsSync(path.join(workDir, 'core')) ? readdirSync(path.join(workDir, 'core')) : [];

t.test('an upload is checked against every kernel of the hive', async (t) => {
  const r = await post('/api/v1/core/check', readFileSync(fx.objects.state!));
  t.equal(r.statusCode, 200, r.body);
  const m = r.json() as CoreMatrix;
  t.same(
    m.kernels.map((k) => [k.release, k.loads, k.failing]),
    [
      ['local', false, ['old_state']],
      ['old', true, []],
    ],
  );
  t.equal(m.object.relos[0]?.access, 'task_struct::state');
  t.equal(m.object.relos[0]?.section, 'tracepoint/syscalls/sys_enter_getpid');
  t.equal(m.kernels[0]?.relos[0]?.status, 'missing_field');
  t.same(m.kernels[1]?.relos[0], { status: 'ok', value: 0, fatal: false, reachable: false });
  t.same(m.summary.groups.length, 2, 'two distinct outcomes');
  t.same(leftovers(), [], 'nothing stored');
});

t.test('a selection narrows the kernels', async (t) => {
  const r = await post('/api/v1/core/check?release=old', readFileSync(fx.objects.caps!));
  t.equal(r.statusCode, 200);
  const m = r.json() as CoreMatrix;
  t.same(
    m.kernels.map((k) => k.ver),
    ['5.4.0-old'],
  );
  t.equal(m.summary.loads, 1);
  const none = await post('/api/v1/core/check?verPrefix=2.6', readFileSync(fx.objects.caps!));
  t.equal(none.statusCode, 404);
  t.equal(none.json().code, 'SURFHIVE_ERR_KERNEL_NOT_FOUND');
});

t.test('bad input: coded errors, nothing stored', async (t) => {
  const notBpf = await post('/api/v1/core/check', Buffer.from('not an object'));
  t.equal(notBpf.statusCode, 422);
  t.equal(notBpf.json().code, 'SURFHIVE_ERR_NOT_BPF_OBJECT');
  t.notMatch(notBpf.body, fx.dir, 'no host path');
  const wrongField = await post('/api/v1/core/check', readFileSync(fx.objects.state!), 'file');
  t.equal(wrongField.statusCode, 400);
  const empty = await app.inject({ method: 'POST', url: '/api/v1/core/check' });
  t.equal(empty.statusCode, 400);
  const badQuery = await post('/api/v1/core/check?arch=sparc', readFileSync(fx.objects.state!));
  t.equal(badQuery.statusCode, 400);
  const unknownCompile = await app.inject({
    method: 'POST',
    url: `/api/v1/core/check?compile=${'a'.repeat(64)}`,
  });
  t.equal(unknownCompile.statusCode, 404);
  const huge = await post('/api/v1/core/check', Buffer.alloc(17 * 1024 * 1024));
  t.equal(huge.statusCode, 413);
  t.equal(huge.json().code, 'SURFHIVE_ERR_BODY_TOO_LARGE');
  t.same(leftovers(), [], 'nothing stored');
});

t.test('the BTF bundle: BTFHub layout, read by bpftool, loads with libbpf', async (t) => {
  const r = await post('/api/v1/core/btf', readFileSync(fx.objects.fields!));
  t.equal(r.statusCode, 200, r.body.slice(0, 300));
  t.equal(r.headers['content-type'], 'application/x-xz');
  const out = path.join(fx.dir, 'bundle');
  mkdirSync(out);
  writeFileSync(path.join(out, 'b.tar.xz'), r.rawPayload);
  execFileSync('tar', ['-C', out, '-xJf', path.join(out, 'b.tar.xz')]);
  const files = execFileSync('find', [out, '-name', '*.btf'], { encoding: 'utf8' }).trim().split('\n').sort();
  t.same(
    files.map((f) => path.relative(out, f)),
    [
      `local/${/^(\d+\.\d+)/.exec(os.release())![1]}/x86_64/${os.release()}.btf`,
      'old/5.4/x86_64/5.4.0-old.btf',
    ],
  );
  for (const f of files) {
    const dump = execFileSync('bpftool', ['btf', 'dump', 'file', f], { encoding: 'utf8' });
    t.match(dump, /STRUCT 'task_struct'/, `${path.basename(f)}: bpftool reads it`);
  }
  await settled();
  t.same(leftovers(), [], 'nothing stored');
});

t.test('libbpf loads each object here with its tailored BTF for this kernel', async (t) => {
  if (process.getuid?.() !== 0) return t.plan(0, 'loading BPF needs root');
  const loader = await buildLoader(fx.dir);
  for (const name of ['fields', 'guarded']) {
    const r = await post('/api/v1/core/btf?release=local', readFileSync(fx.objects[name]!));
    t.equal(r.statusCode, 200);
    const out = path.join(fx.dir, `tailored-${name}`);
    mkdirSync(out);
    writeFileSync(path.join(out, 'b.tar.xz'), r.rawPayload);
    execFileSync('tar', ['-C', out, '-xJf', path.join(out, 'b.tar.xz')]);
    const btf = execFileSync('find', [out, '-name', '*.btf'], { encoding: 'utf8' }).trim();
    t.ok(statSync(btf).size < 64 * 1024, `${name}: the tailored BTF is small (${statSync(btf).size} bytes)`);
    const load = await runTool(loader, [fx.objects[name]!, btf], { timeoutMs: 60_000 });
    t.equal(load.stdout.trim(), 'loaded', `${name}: libbpf loads it with btf_custom_path`);
  }
  const refused = await post('/api/v1/core/btf?release=local', readFileSync(fx.objects.state!));
  t.equal(refused.statusCode, 404, 'no bundle when the object loads on none of the kernels');
  await settled();
  t.same(leftovers(), [], 'nothing stored');
});

t.test('a large selection runs as a job with progress', async (t) => {
  const dir = path.join(hive, 'x86_64', 'btf', 'many');
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 70; i++) copyFileSync(fx.oldKernel, path.join(dir, `vmlinux-5.10.${i}-many`));
  await app.surfhive.registry.refresh();
  const r = await post('/api/v1/core/check?release=many', readFileSync(fx.objects.caps!));
  t.equal(r.statusCode, 202);
  const job = r.json() as { id: string; url: string; kernels: number };
  t.equal(job.kernels, 70);
  let state: { status: string; progress?: { done: number; total: number }; result?: CoreMatrix } = {
    status: 'waiting',
  };
  for (let i = 0; i < 300 && state.status !== 'completed' && state.status !== 'failed'; i++) {
    await new Promise((res) => setTimeout(res, 50));
    state = (await app.inject({ method: 'GET', url: job.url })).json();
  }
  t.equal(state.status, 'completed');
  t.same(state.progress, { done: 70, total: 70 });
  t.equal(state.result?.summary.loads, 70);
  t.equal(state.result?.summary.groups.length, 1, 'identical kernels form one group');
  const missing = await app.inject({
    method: 'GET',
    url: `/api/v1/core/jobs/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`,
  });
  t.equal(missing.statusCode, 404);
});

t.test('by default, the kernels of the arch the object shows', async (t) => {
  const arm = path.join(hive, 'aarch64', 'btf', 'old');
  mkdirSync(arm, { recursive: true });
  copyFileSync(fx.oldKernel, path.join(arm, 'vmlinux-5.4.0-arm'));
  await app.surfhive.registry.refresh();
  const src = path.join(fx.dir, 'kprobe.bpf.c');
  writeFileSync(
    src,
    `#include "${path.join(FIXTURES, 'core.h')}"
struct pt_regs { long di; long si; } __attribute__((preserve_access_index));
SEC("kprobe/do_nanosleep") int probe(struct pt_regs *ctx) { return BPF_CORE_READ(ctx, di) == 0; }
`,
  );
  const obj = path.join(fx.dir, 'kprobe.bpf.o');
  execFileSync('clang', ['-target', 'bpf', '-g', '-O2', '-c', src, '-o', obj]);
  const x86 = (await post('/api/v1/core/check?release=old', readFileSync(obj))).json() as CoreMatrix;
  t.equal(x86.object.arch, 'x86_64');
  t.same(
    x86.kernels.map((k) => k.arch),
    ['x86_64'],
    'pt_regs with di: x86_64 kernels only',
  );
  const any = (
    await post('/api/v1/core/check?release=old', readFileSync(fx.objects.state!))
  ).json() as CoreMatrix;
  t.same(
    any.kernels.map((k) => k.arch),
    ['aarch64', 'x86_64'],
    'no arch shown: every arch',
  );
  const arm64 = (
    await post('/api/v1/core/check?release=old&arch=aarch64', readFileSync(obj))
  ).json() as CoreMatrix;
  t.same(
    arm64.kernels.map((k) => k.arch),
    ['aarch64'],
    'an explicit arch wins',
  );
});
