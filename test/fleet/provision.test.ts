import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { lbcOne } from '../helpers/app.js';
import { debKey, ingestMirror, kernelState } from '../ingest/helpers/ingest-mirror.js';

const m = await ingestMirror();
t.teardown(m.close);
const hive = path.join(m.root, 'hive');
await fs.mkdir(hive);
const config = loadConfig(
  { SURFHIVE_AUTO_INGEST: 'on', SURFHIVE_MIRRORS: m.mirrorArg },
  { hive, logLevel: 'silent' },
);
const app = await buildApp({ config, registryOptions: { pollMs: 0 }, docs: false });
await app.ready();
t.teardown(() => app.close());

const VER = '6.1.0-56-amd64';
const JOB = `/api/v1/provision/ingest-x86_64-debian-${VER}`;
const struct = (ver: string, arch = 'x86_64') =>
  lbcOne(app, { cmd: 'struct', ver, arch, struct: 'struct list_head' });
const mirrorHits = () => m.mirror.requests.length;

async function until(url: string, status: string) {
  for (let i = 0; i < 600; i++) {
    const r = await app.inject({ method: 'GET', url });
    if (r.json().status === status) return r.json();
    await sleep(200);
  }
  throw new Error(`${url} never reached ${status}`);
}

t.test(
  'a missing kernel is prepared on demand: /lbc, REST, then correct answers with no restart',
  async (t) => {
    const first = await struct(VER);
    t.match(first?.log, /^kernel 6\.1\.0-56-amd64 \(x86_64\) is being prepared from debian; retry in 30 s/);

    const rest = await app.inject({ method: 'GET', url: `/api/v1/kernels/x86_64/${VER}/structs/list_head` });
    t.equal(rest.statusCode, 202);
    t.equal(rest.headers['retry-after'], '30');
    t.equal(rest.headers.location, JOB);
    t.equal(rest.json().code, 'SURFHIVE_ERR_KERNEL_PREPARING');

    const db = await app.inject({ method: 'GET', url: `/db/x86_64/debian/info-${VER}.db` });
    t.equal(db.statusCode, 202, '/db download of a missing kernel waits too');

    const done = await until(JOB, 'completed');
    t.same(done.kernel, debKey(VER));
    t.equal(await kernelState(hive, debKey(VER)), 'complete');
    t.equal(
      m.mirror.requests.filter((r) => r.path === m.urlPath(VER)).length,
      1,
      'one download for every request that missed',
    );

    const again = await struct(VER);
    t.equal(again?.log, 'ok.');
    t.match(JSON.stringify(again?.res), /list_head/);
    const restAgain = await app.inject({
      method: 'GET',
      url: `/api/v1/kernels/x86_64/${VER}/structs/list_head`,
    });
    t.equal(restAgain.statusCode, 200);
  },
);

t.test('a compile for a missing kernel starts its provisioning', async (t) => {
  const ver = '6.1.0-56-cloud-amd64';
  const r = await app.inject({
    method: 'POST',
    url: '/api/v1/compile',
    payload: { arch: 'x86_64', ver, source: 'int x;', output: 'o' },
  });
  t.equal(r.statusCode, 202);
  t.equal(r.json().code, 'SURFHIVE_ERR_KERNEL_PREPARING');
  await until(`/api/v1/provision/ingest-x86_64-debian-${ver}`, 'completed');
});

t.test('kernels found nowhere are remembered; no mirror request is built from raw input', async (t) => {
  const before = mirrorHits();
  for (const ver of ['1.2.3-custom', '6.1.0-56-amd64-evil', '5.15.0-91-generik']) {
    t.equal((await struct(ver))?.log, 'version not support.', `${ver}: no naming convention matches`);
  }
  t.equal((await struct('6.1.0-60-amd64', 'aarch64'))?.log, 'version not support.', 'arch contradicts uname');
  t.equal(mirrorHits(), before, 'the mirror was not asked');

  // a well-formed Debian name the mirror lacks: one ingest, then plain misses
  const ghost = '6.1.0-99-amd64';
  t.match((await struct(ghost))?.log, /being prepared/);
  const failed = await until(`/api/v1/provision/ingest-x86_64-debian-${ghost}`, 'failed');
  t.equal(failed.status, 'failed');
  const afterFail = mirrorHits();
  for (let i = 0; i < 20; i++) t.equal((await struct(ghost))?.log, 'version not support.');
  t.equal(mirrorHits(), afterFail, 'misses within the negative period cost no mirror request');
  const asked = m.mirror.requests.map((r) => r.path);
  t.ok(
    asked.every((p) => p.startsWith('/debian/dists/') || p.startsWith('/debian/pool/')),
    'only catalog paths were requested',
  );
});

t.test('the provisioning status route refuses what is not a job id', async (t) => {
  for (const id of ['..%2F..%2Fetc', 'ingest-x86_64-debian-', 'x'.repeat(300)]) {
    const r = await app.inject({ method: 'GET', url: `/api/v1/provision/${id}` });
    t.equal(r.statusCode, 400, id.slice(0, 20));
  }
  const none = await app.inject({
    method: 'GET',
    url: '/api/v1/provision/ingest-x86_64-debian-9.9.9-1-amd64',
  });
  t.equal(none.statusCode, 404);
});

t.test('off by default: a miss is a plain miss', async (t) => {
  const plain = await buildApp({
    config: loadConfig(
      { SURFHIVE_MIRRORS: m.mirrorArg },
      { hive: path.join(m.root, 'hive2'), logLevel: 'silent' },
    ),
    registryOptions: { pollMs: 0 },
    docs: false,
  });
  await plain.ready();
  t.teardown(() => plain.close());
  const before = mirrorHits();
  const r = await lbcOne(plain, {
    cmd: 'struct',
    ver: '6.1.0-60-amd64',
    arch: 'x86_64',
    struct: 'list_head',
  });
  t.equal(r?.log, 'version not support.');
  t.equal(mirrorHits(), before);
  const job = await plain.inject({
    method: 'GET',
    url: '/api/v1/provision/ingest-x86_64-debian-6.1.0-60-amd64',
  });
  t.equal(job.statusCode, 404, 'no provisioning route');
});
