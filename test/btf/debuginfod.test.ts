import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { artifactPath } from '../../src/hive/layout.js';
import { buildKernel } from '../../src/indexer/pipeline.js';
import { runTool } from '../../src/sandbox/exec.js';
import { run, tempDir } from '../build/helpers/btf-tools.js';
import { buildFixtureKernel } from '../build/helpers/fixture-kernel.js';
import { goldenRows, publishKernel } from '../helpers/golden-hive.js';
import { TOOLS } from '../helpers/tools.js';
import { buildFixtureHive, FIXTURE_KEY, logger, readelfBuildId } from './helpers.js';

const appOn = async (hive: string, env: Record<string, string> = {}) => {
  const app = await buildApp({
    config: loadConfig(env, { hive, logLevel: 'silent', port: 0, host: '127.0.0.1' }),
    registryOptions: { pollMs: 0, watch: false },
    docs: false,
  });
  await app.ready();
  return app;
};

const listen = async (app: Awaited<ReturnType<typeof appOn>>) => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return `http://127.0.0.1:${addr.port}`;
};

/** Debian's debuginfod client, with its own empty cache. */
const debuginfodFind = async (urls: string, cache: string, id: string) =>
  runTool('debuginfod-find', ['section', id, '.BTF'], {
    timeoutMs: 60_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DEBUGINFOD_URLS: urls, DEBUGINFOD_CACHE_PATH: cache },
  });

t.test('build ids are recorded, searchable, and serve the BTF pahole encoded', async (t) => {
  const { dir, cleanup } = tempDir('debuginfod');
  t.teardown(cleanup);
  const hive = join(dir, 'hive');
  const { input, module } = await buildFixtureHive(dir, hive);
  const kernelId = await readelfBuildId(input);
  const moduleId = await readelfBuildId(module);

  const db = new Database(artifactPath(hive, FIXTURE_KEY, 'db'), { readonly: true });
  t.equal(
    (db.prepare("SELECT value FROM meta WHERE key = 'build_id'").get() as { value: string }).value,
    kernelId,
  );
  t.same(db.prepare('SELECT name, build_id AS id FROM btf_modules').all(), [
    { name: 'mod_thing', id: moduleId },
  ]);
  db.close();

  // what pahole -J encodes, independently of the server: the kernel's BTF and the module's split BTF
  await run('pahole', ['-J', '--btf_gen_all', `--btf_encode_detached=${dir}/k.btf`, input], dir);
  await run(
    'pahole',
    ['-J', '--btf_gen_all', `--btf_base=${dir}/k.btf`, `--btf_encode_detached=${dir}/m.btf`, module],
    dir,
  );
  const kernelBtf = readFileSync(join(dir, 'k.btf'));
  const moduleBtf = readFileSync(join(dir, 'm.btf'));

  const app = await appOn(hive);
  t.teardown(() => app.close());

  const meta = await app.inject({ url: `/api/v1/kernels/x86_64/${FIXTURE_KEY.ver}` });
  t.equal(meta.json().meta.build_id, kernelId, 'kernel metadata shows the build id');

  const found = await app.inject({ url: `/api/v1/buildid/${kernelId.toUpperCase()}` });
  t.equal(found.statusCode, 200);
  t.match(found.json(), { buildId: kernelId, arch: 'x86_64', ver: FIXTURE_KEY.ver, release: 'debian' });
  t.notOk(found.json().module);
  t.match((await app.inject({ url: `/api/v1/buildid/${moduleId}` })).json(), { module: 'mod_thing' });

  const k = await app.inject({ url: `/buildid/${kernelId}/section/.BTF` });
  t.equal(k.statusCode, 200);
  t.equal(k.headers['content-length'], String(kernelBtf.length));
  t.equal(k.headers['x-debuginfod-size'], String(kernelBtf.length));
  t.equal(k.headers['x-debuginfod-file'], `vmlinux-${FIXTURE_KEY.ver}`);
  t.ok(k.rawPayload.equals(kernelBtf), 'kernel BTF equals pahole -J output');
  const m = await app.inject({ url: `/buildid/${moduleId}/section/.BTF` });
  t.ok(m.rawPayload.equals(moduleBtf), 'module split BTF equals pahole --btf_base output');

  const unknown = 'ab'.repeat(20);
  const started = process.hrtime.bigint();
  const miss = await app.inject({ url: `/buildid/${unknown}/section/.BTF` });
  t.equal(miss.statusCode, 404);
  t.equal(miss.json().code, 'SURFHIVE_ERR_BUILD_ID_NOT_FOUND');
  t.ok(Number(process.hrtime.bigint() - started) / 1e6 < 200, 'a miss answers at once');
  t.equal((await app.inject({ url: `/buildid/${kernelId}/section/.text` })).statusCode, 404);
  t.equal((await app.inject({ url: `/buildid/${kernelId}/debuginfo` })).statusCode, 404);
  t.equal((await app.inject({ url: '/buildid/xyz/section/.BTF' })).json().code, 'SURFHIVE_ERR_INVALID_FIELD');
  t.equal((await app.inject({ url: `/buildid/${kernelId}/section/..%2f..%2fetc` })).statusCode, 400);

  // Debian's client against the listening server
  const url = await listen(app);
  const got = await debuginfodFind(url, join(dir, 'cache1'), kernelId);
  t.equal(got.code, 0, got.stderr);
  t.ok(readFileSync(got.stdout.trim()).equals(kernelBtf), 'debuginfod-find returns the pahole bytes');
  const gotMod = await debuginfodFind(url, join(dir, 'cache1'), moduleId);
  t.ok(readFileSync(gotMod.stdout.trim()).equals(moduleBtf), 'and the module split BTF');
  const none = await debuginfodFind(url, join(dir, 'cache1'), unknown);
  t.not(none.code, 0, 'an unknown id fails in the client');
});

t.test('a vmlinux that carries its own .BTF is served those bytes, not a re-encoding', async (t) => {
  const { dir, cleanup } = tempDir('debuginfod-own-btf');
  t.teardown(cleanup);
  const hive = join(dir, 'hive');
  const input = await buildFixtureKernel(dir);
  // as a kernel build does: pahole -J writes .BTF into the ELF (here with other flags than ours)
  await run('pahole', ['-J', input], dir);
  await run('objcopy', ['--dump-section', `.BTF=${dir}/own.btf`, input, `${dir}/junk.o`], dir);
  await run('pahole', ['-J', '--btf_gen_all', `--btf_encode_detached=${dir}/fresh.btf`, input], dir);
  const own = readFileSync(join(dir, 'own.btf'));
  t.notOk(own.equals(readFileSync(join(dir, 'fresh.btf'))), 'the embedded BTF differs from our encoding');
  await buildKernel({
    hive,
    key: FIXTURE_KEY,
    input,
    keepVmlinux: false,
    force: false,
    logger,
    tools: TOOLS,
  });
  const app = await appOn(hive);
  t.teardown(() => app.close());
  const url = await listen(app);
  const got = await debuginfodFind(url, join(dir, 'cache'), await readelfBuildId(input));
  t.equal(got.code, 0, got.stderr);
  t.ok(readFileSync(got.stdout.trim()).equals(own), "debuginfod-find returns the ELF's own .BTF section");
});

t.test('misses are federated to the upstream debuginfod servers the operator lists', async (t) => {
  const { dir, cleanup } = tempDir('debuginfod-fed');
  t.teardown(cleanup);
  const upstreamHive = join(dir, 'up');
  const { input } = await buildFixtureHive(dir, upstreamHive);
  const id = await readelfBuildId(input);
  const upstream = await appOn(upstreamHive);
  t.teardown(() => upstream.close());
  const upUrl = await listen(upstream);

  const emptyHive = join(dir, 'empty');
  mkdirSync(emptyHive);
  // a dead upstream first: it is skipped after its failure
  const front = await appOn(emptyHive, {
    SURFHIVE_DEBUGINFOD_UPSTREAMS: `http://127.0.0.1:1 ${upUrl}`,
    SURFHIVE_DEBUGINFOD_TIMEOUT_MS: '3000',
  });
  t.teardown(() => front.close());
  const frontUrl = await listen(front);
  const got = await debuginfodFind(frontUrl, join(dir, 'cache'), id);
  t.equal(got.code, 0, got.stderr);
  t.ok(
    readFileSync(got.stdout.trim()).equals(
      (await upstream.inject({ url: `/buildid/${id}/section/.BTF` })).rawPayload,
    ),
    'the upstream bytes pass through',
  );
  const miss = await front.inject({ url: `/buildid/${'cd'.repeat(20)}/section/.BTF` });
  t.equal(miss.statusCode, 404, 'a miss everywhere stays a 404');
  const looped = await front.inject({
    url: `/buildid/${id}/section/.BTF`,
    headers: { 'x-surfhive-federated': '1' },
  });
  t.equal(looped.statusCode, 404, 'a request that is itself federated is not passed on');
});

t.test('a hive built before build ids: indexed from a kept vmlinux, else left out', async (t) => {
  const { dir, cleanup } = tempDir('debuginfod-legacy');
  t.teardown(cleanup);
  const hive = join(dir, 'hive');
  const { input } = await buildFixtureHive(dir, join(dir, 'other'));
  const id = await readelfBuildId(input);
  publishKernel(hive, FIXTURE_KEY, goldenRows());
  publishKernel(hive, { ...FIXTURE_KEY, ver: '6.1.0-99-amd64' }, goldenRows());
  const vm = artifactPath(hive, FIXTURE_KEY, 'vmlinux');
  mkdirSync(join(vm, '..'), { recursive: true });
  copyFileSync(input, vm);
  const app = await appOn(hive);
  t.teardown(() => app.close());
  t.match((await app.inject({ url: `/api/v1/buildid/${id}` })).json(), { ver: FIXTURE_KEY.ver });
  const k = await app.inject({ url: '/api/v1/kernels/x86_64/6.1.0-99-amd64' });
  t.equal(k.statusCode, 200);
  t.notOk(k.json().meta.build_id);
});
