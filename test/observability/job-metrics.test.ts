import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import t from 'tap';
import { hashToken } from '../../src/api/auth.js';
import { buildApp } from '../../src/app.js';
import { loggerOptions } from '../../src/log/logger.js';
import { packageRoot } from '../../src/util/package-root.js';
import { compileC, tempDir } from '../build/helpers/btf-tools.js';
import { lbcOne } from '../helpers/app.js';
import { bpfFixture } from '../helpers/fixtures.js';
import { localHive } from '../helpers/local-hive.js';
import { logLines, parseSamples, sampleValue } from '../helpers/prom-text.js';
import { ingestMirror, KVERS } from '../ingest/helpers/ingest-mirror.js';

if (!existsSync('/sys/kernel/btf/vmlinux')) {
  t.plan(0, 'this kernel has no BTF: no local kernel to compile against');
} else {
  const TOKEN = `op-${randomUUID()}`;
  const m = await ingestMirror();
  t.teardown(m.close);
  const h = await localHive({
    mirrors: [m.mirrorArg],
    autoIngest: true,
    operatorTokenHashes: [hashToken(TOKEN)],
    compileConcurrency: 1,
  });
  t.teardown(h.cleanup);
  const { lines, stream } = logLines();
  const app = await buildApp({
    config: h.config,
    logger: pino(loggerOptions('info'), stream),
    registryOptions: { pollMs: 0 },
    docs: false,
  });
  await app.ready();
  t.teardown(() => app.close());
  const { arch, ver } = h.key;

  const scrape = async () => {
    const r = await app.inject({ url: '/metrics' });
    if (r.statusCode !== 200) throw new Error(`/metrics answered ${r.statusCode}`);
    return { text: r.body, samples: parseSamples(r.body) };
  };
  const compile = async (output: 'o' | 'so', source: string) => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/compile',
      payload: { arch, ver, output, source },
    });
    // a cache hit is answered by the POST itself
    return r.json().cached ? (r.json() as Awaited<ReturnType<typeof finished>>) : finished(r.json().id);
  };
  const finished = async (id: string) => {
    for (let i = 0; i < 4; i++) {
      const s = (await app.inject({ url: `/api/v1/compile/${id}?wait=30` })).json();
      if (s.status === 'completed' || s.status === 'failed')
        return s as { id: string; status: string; cached: boolean; artifact?: { size: number } };
    }
    throw new Error(`compile ${id} did not finish`);
  };
  const jobLines = (job: string) => lines.filter((l) => l.job === job);
  const auth = { authorization: `Bearer ${TOKEN}` };
  async function settle(url: string) {
    for (let i = 0; i < 600; i++) {
      const r = (await app.inject({ url, headers: auth })).json();
      if (r.status === 'completed' || r.status === 'failed') return r;
      await sleep(100);
    }
    throw new Error(`${url} did not settle`);
  }

  t.test('compile jobs: outcomes, step durations, cache, artifact bytes, one line per event', async (t) => {
    const hello = `${bpfFixture('hello')}\n/* ${randomUUID()} */\n`;
    const o = await compile('o', hello);
    t.equal(o.status, 'completed', JSON.stringify(o));
    const again = await compile('o', hello);
    t.match(again, { status: 'completed', cached: true });
    const so = await compile('so', hello);
    t.equal(so.status, 'completed', JSON.stringify(so));
    const bad = await compile('o', bpfFixture('bad_syntax'));
    t.equal(bad.status, 'failed');

    const { samples } = await scrape();
    const v = (name: string, labels?: Record<string, string>) => sampleValue(samples, name, labels);
    t.equal(v('surfhive_compile_jobs_total', { outcome: 'completed' }), 2);
    t.equal(v('surfhive_compile_jobs_total', { outcome: 'failed' }), 1, 'the broken program');
    t.equal(v('surfhive_compile_jobs_total', { outcome: 'error' }), 0);
    t.equal(v('surfhive_compile_cache_total', { result: 'hit' }), 1);
    t.equal(v('surfhive_compile_cache_total', { result: 'miss' }), 3);
    const steps = (step: string) => v('surfhive_compile_step_duration_seconds_count', { step });
    t.equal(steps('headers'), 2);
    t.equal(steps('compile'), 2, 'both completed jobs ran clang');
    t.equal(steps('probes'), 1, 'only lbc.so probes ffi types');
    t.equal(steps('link'), 1);
    t.ok((v('surfhive_compile_step_duration_seconds_sum', { step: 'compile' }) ?? 0) > 0);
    t.equal(v('surfhive_compile_artifact_bytes_sum', { output: 'o' }), o.artifact?.size, 'bpf.o size');
    t.equal(v('surfhive_compile_artifact_bytes_sum', { output: 'so' }), so.artifact?.size, 'lbc.so size');
    t.equal(v('surfhive_compile_job_duration_seconds_count', { outcome: 'completed' }), 2);
    t.equal(v('surfhive_compile_job_duration_seconds_count', { outcome: 'failed' }), 1);
    t.ok((v('surfhive_compile_cache_bytes') ?? 0) > 0, 'the result cache holds the artifacts');

    const ok = jobLines(o.id);
    t.match(ok, [
      { msg: 'compile started', kind: 'compile', kernel: `${arch}/${ver}`, attempt: 1, of: 3, level: 30 },
      { msg: 'compile finished', kind: 'compile', output: 'o', bytes: o.artifact?.size, ms: Number },
    ]);
    t.equal(ok.length, 2, 'the cached answer ran no job');
    const failed = jobLines(bad.id);
    t.match(failed.at(-1), {
      msg: 'compile failed (not retried)',
      kind: 'compile',
      ms: Number,
      err: { type: 'CompileFailure', message: 'compile failed.', clog: /error/ },
    });
  });

  t.test('queue gauges are read at scrape time', async (t) => {
    const posts = await Promise.all(
      [1, 2, 3].map((n) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/compile',
          payload: {
            arch,
            ver,
            output: 'so',
            source: `${bpfFixture('hello')}\n/* ${n} ${randomUUID()} */\n`,
          },
        }),
      ),
    );
    const { samples } = await scrape();
    t.equal(sampleValue(samples, 'surfhive_queue_jobs', { queue: 'compile', state: 'active' }), 1);
    t.equal(sampleValue(samples, 'surfhive_queue_jobs', { queue: 'compile', state: 'waiting' }), 2);
    t.equal(sampleValue(samples, 'surfhive_queue_jobs', { queue: 'ingest', state: 'active' }), 0);
    for (const p of posts) t.equal((await finished(p.json().id)).status, 'completed');
    const after = parseSamples((await app.inject({ url: '/metrics' })).body);
    t.equal(sampleValue(after, 'surfhive_queue_jobs', { queue: 'compile', state: 'active' }), 0);
    t.equal(sampleValue(after, 'surfhive_queue_jobs', { queue: 'compile', state: 'waiting' }), 0);
  });

  t.test('ingest over REST: phases, bytes downloaded, kernels by release, job lines', async (t) => {
    const version = KVERS[2];
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: auth,
      payload: { release: 'debian', version, arch: 'x86_64' },
    });
    t.equal(r.statusCode, 202);
    const done = await settle(`/api/v1/ingest/${r.json().id}`);
    t.equal(done.status, 'completed', JSON.stringify(done));
    const pkgBytes = (await fs.stat(path.join(m.root, 'www', m.urlPath(version)))).size;

    const { samples } = await scrape();
    const v = (name: string, labels?: Record<string, string>) => sampleValue(samples, name, labels);
    t.equal(v('surfhive_ingest_jobs_total', { outcome: 'completed' }), 1);
    t.equal(v('surfhive_ingest_downloaded_bytes_total'), pkgBytes, 'every byte of the package, once');
    for (const phase of ['resolve', 'download', 'extract', 'build', 'publish'])
      t.equal(v('surfhive_ingest_phase_duration_seconds_count', { phase }), 1, phase);
    t.ok((v('surfhive_ingest_phase_duration_seconds_sum', { phase: 'build' }) ?? 0) > 0);
    t.equal(v('surfhive_kernels', { arch: 'x86_64', release: 'debian' }), 1, 'the ingested kernel');
    t.equal(v('surfhive_kernels', { arch, release: h.key.release }), 1, 'this machine’s kernel');

    const ingestLines = jobLines(r.json().id);
    t.match(ingestLines[0], {
      msg: 'ingest started',
      kind: 'ingest',
      kernel: `x86_64/debian/${version}`,
      attempt: 1,
      of: 3,
    });
    t.match(ingestLines.at(-1), {
      msg: 'ingest finished',
      published: true,
      bytes: pkgBytes,
      ms: Number,
      timings: { resolveMs: Number, downloadMs: Number, buildMs: Number, publishMs: Number },
    });
    // the build itself runs in a builder process, which writes its own lines (with the job's
    // bindings) to the server's stdout, not to this in-process destination
  });

  t.test('a failing ingest logs its cause and counts as failed', async (t) => {
    const version = KVERS[1];
    m.mirror.faults.set(m.urlPath(version), { kind: 'status', status: 404 });
    t.teardown(() => m.mirror.faults.clear());
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: auth,
      payload: { release: 'debian', version, arch: 'x86_64' },
    });
    const failed = await settle(`/api/v1/ingest/${r.json().id}`);
    t.equal(failed.status, 'failed');
    const last = jobLines(r.json().id).at(-1);
    t.match(last, {
      msg: 'ingest failed (not retried)',
      level: 40,
      kernel: `x86_64/debian/${version}`,
      err: { type: 'MirrorFault', code: 'SURFHIVE_ERR_DOWNLOAD_FAILED', message: /answered HTTP 404/ },
    });
    const { samples } = await scrape();
    t.equal(sampleValue(samples, 'surfhive_ingest_jobs_total', { outcome: 'failed' }), 1);
  });

  t.test('provisioning outcomes and ko requests are counted', async (t) => {
    const miss = (v: string) => app.inject({ url: `/api/v1/kernels/x86_64/${v}/structs/list_head` });
    const first = await miss(KVERS[0]);
    t.equal(first.statusCode, 202);
    t.equal((await miss(KVERS[0])).statusCode, 202, 'joins the ingest on its way');
    t.equal((await miss('1.2.3-custom')).statusCode, 404);
    t.equal((await miss('1.2.3-custom')).statusCode, 404);
    const job = await settle(first.headers.location as string);
    t.equal(job.status, 'completed');

    const { dir, cleanup } = tempDir('ko-metrics');
    t.teardown(cleanup);
    copyFileSync(path.join(packageRoot(), 'test/build/fixtures/module.c'), path.join(dir, 'mod_thing.c'));
    await compileC(dir, 'mod_thing.c', 'mod_thing.ko', 'object');
    const kos = { 'mod_thing.ko': readFileSync(path.join(dir, 'mod_thing.ko')).toString('base64') };
    t.equal((await lbcOne(app, { cmd: 'ko', ver, arch, kos }))?.log, 'ok.');
    const notElf = Buffer.from('not a module').toString('base64').padEnd(16, '=');
    t.not((await lbcOne(app, { cmd: 'ko', ver, arch, kos: { 'x.ko': notElf } }))?.log, 'ok.');
    t.equal((await lbcOne(app, { cmd: 'ko', ver, arch, kos: 'nope' }))?.log, 'bad kos key.');

    const { samples } = await scrape();
    const v = (name: string, labels?: Record<string, string>) => sampleValue(samples, name, labels);
    t.equal(v('surfhive_provision_total', { outcome: 'queued' }), 1);
    t.equal(v('surfhive_provision_total', { outcome: 'deduplicated' }), 1);
    t.equal(v('surfhive_provision_total', { outcome: 'not_found' }), 1);
    t.equal(v('surfhive_provision_total', { outcome: 'remembered' }), 1);
    t.equal(v('surfhive_ingest_jobs_total', { outcome: 'completed' }), 2, 'the provisioned kernel too');
    t.equal(v('surfhive_kernels', { arch: 'x86_64', release: 'debian' }), 2);
    t.equal(v('surfhive_ko_requests_total', { outcome: 'ok' }), 1);
    t.equal(v('surfhive_ko_requests_total', { outcome: 'bad_request' }), 1);
    const errors = samples.filter(
      (s) =>
        s.name === 'surfhive_ko_requests_total' && !['ok', 'bad_request'].includes(s.labels.outcome ?? ''),
    );
    t.same(
      errors.map((s) => s.value),
      [1],
      `the hostile upload under its error code (${errors[0]?.labels.outcome})`,
    );
  });

  t.test('every metric the Grafana dashboard queries is in a live /metrics', async (t) => {
    const dashboard = JSON.parse(
      readFileSync(path.join(packageRoot(), 'docs/grafana-dashboard.json'), 'utf8'),
    ) as unknown;
    const exprs: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object')
        for (const [k, val] of Object.entries(node)) {
          if (k === 'expr' && typeof val === 'string') exprs.push(val);
          else walk(val);
        }
    };
    walk(dashboard);
    t.ok(exprs.length >= 15, `${exprs.length} queries`);
    const { samples } = await scrape();
    const live = new Set(samples.map((s) => s.name));
    const used = new Set(exprs.flatMap((e) => e.match(/\bsurfhive_[a-z0-9_]+/g) ?? []));
    for (const name of used) t.ok(live.has(name), `${name} is exposed`);
  });
}
