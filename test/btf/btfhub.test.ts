import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { btfhubPlace } from '../../src/btfhub/place.js';
import { loadConfig } from '../../src/config/config.js';
import { run, tempDir } from '../build/helpers/btf-tools.js';
import { buildFixtureHive } from './helpers.js';

t.test('BTFHub names from our release names and kernel versions', async (t) => {
  t.same(btfhubPlace({ arch: 'x86_64', release: 'debian', ver: '6.1.0-56-amd64' }), {
    distro: 'debian',
    version: '12',
    arch: 'x86_64',
  });
  t.same(btfhubPlace({ arch: 'aarch64', release: 'ubuntu', ver: '5.15.0-91-generic' }), {
    distro: 'ubuntu',
    version: '22.04',
    arch: 'arm64',
  });
  t.match(btfhubPlace({ arch: 'x86_64', release: 'centos', ver: '4.18.0-348.el8.x86_64' }), {
    distro: 'centos',
    version: '8',
  });
  t.match(btfhubPlace({ arch: 'x86_64', release: 'oracle', ver: '5.4.17-2136.el7uek.x86_64' }), {
    distro: 'ol',
    version: '7',
  });
  t.match(btfhubPlace({ arch: 'x86_64', release: 'fedora', ver: '6.5.6-300.fc39.x86_64' }), {
    distro: 'fedora',
    version: '39',
  });
  t.match(btfhubPlace({ arch: 'x86_64', release: 'anolis', ver: '4.19.91-23.4.an8.x86_64' }), {
    distro: 'anolis',
    version: '8',
  });
  t.match(btfhubPlace({ arch: 'x86_64', release: 'openeuler', ver: '5.10.0-60.18.0.50.oe2203.x86_64' }), {
    distro: 'openeuler',
    version: '22.03',
  });
  t.match(
    btfhubPlace(
      { arch: 'x86_64', release: 'local', ver: '6.18.44' },
      { os_id: 'debian', os_version_id: '12' },
    ),
    { distro: 'debian', version: '12' },
  );
  t.equal(btfhubPlace({ arch: 'x86_64', release: 'local', ver: '6.18.44' }), undefined);
  t.equal(btfhubPlace({ arch: 'x86_64', release: 'debian', ver: '3.2.0-4-amd64' }), undefined);
});

t.test('the archive serves what bpftool reads, modules alongside, cached after the first pack', async (t) => {
  const { dir, cleanup } = tempDir('btfhub');
  t.teardown(cleanup);
  const hive = join(dir, 'hive');
  const { input, module } = await buildFixtureHive(dir, hive);
  await run('pahole', ['-J', '--btf_gen_all', '-j', `--btf_encode_detached=${dir}/k.btf`, input], dir);
  await run(
    'pahole',
    ['-J', '--btf_gen_all', '-j', `--btf_base=${dir}/k.btf`, `--btf_encode_detached=${dir}/m.btf`, module],
    dir,
  );
  const app = await buildApp({
    config: loadConfig({}, { hive, logLevel: 'silent' }),
    registryOptions: { pollMs: 0, watch: false },
    docs: false,
  });
  t.teardown(() => app.close());
  await app.ready();

  const list = (await app.inject({ url: '/btfhub' })).json();
  t.same(list.items, [
    {
      distro: 'debian',
      version: '12',
      arch: 'x86_64',
      kernel: '6.1.0-56-amd64',
      release: 'debian',
      url: '/btfhub/debian/12/x86_64/6.1.0-56-amd64.btf.tar.xz',
      modulesUrl: '/btfhub/debian/12/x86_64/6.1.0-56-amd64.modules.btf.tar.xz',
    },
  ]);

  const got = await app.inject({ url: list.items[0].url });
  t.equal(got.statusCode, 200);
  t.equal(got.headers['content-type'], 'application/x-xz');
  const out = join(dir, 'out');
  mkdirSync(out);
  writeFileSync(join(dir, 'k.tar.xz'), got.rawPayload);
  await run('tar', ['-xJf', join(dir, 'k.tar.xz'), '-C', out]);
  t.same(readdirSync(out), ['6.1.0-56-amd64.btf'], 'one file named as BTFHub names it');
  const served = join(out, '6.1.0-56-amd64.btf');
  t.ok(readFileSync(served).equals(readFileSync(join(dir, 'k.btf'))), 'the raw BTF pahole encoded');
  const dump = await run('bpftool', ['btf', 'dump', 'file', served]);
  t.match(dump.stdout, /STRUCT 'task_struct'/, 'bpftool reads it');

  const again = await app.inject({ url: list.items[0].url });
  t.ok(again.rawPayload.equals(got.rawPayload), 'the same archive again');
  t.equal(again.headers.etag, got.headers.etag, 'served from the cache');

  const mods = await app.inject({ url: list.items[0].modulesUrl });
  writeFileSync(join(dir, 'm.tar.xz'), mods.rawPayload);
  const mout = join(dir, 'mout');
  mkdirSync(mout);
  await run('tar', ['-xJf', join(dir, 'm.tar.xz'), '-C', mout]);
  t.same(readdirSync(mout), ['mod_thing.btf']);
  t.ok(readFileSync(join(mout, 'mod_thing.btf')).equals(readFileSync(join(dir, 'm.btf'))));
  const mdump = await run('bpftool', ['-B', served, 'btf', 'dump', 'file', join(mout, 'mod_thing.btf')]);
  t.match(mdump.stdout, /STRUCT 'mod_thing'/, 'bpftool reads the split BTF on its base');

  for (const url of [
    '/btfhub/ubuntu/12/x86_64/6.1.0-56-amd64.btf.tar.xz',
    '/btfhub/debian/11/x86_64/6.1.0-56-amd64.btf.tar.xz',
    '/btfhub/debian/12/arm64/6.1.0-56-amd64.btf.tar.xz',
    '/btfhub/debian/12/x86_64/6.1.0-57-amd64.btf.tar.xz',
  ]) {
    const r = await app.inject({ url });
    t.equal(r.statusCode, 404, url);
  }
  for (const url of [
    '/btfhub/debian/12/x86_64/..%2f..%2fetc%2fpasswd.btf.tar.xz',
    '/btfhub/debian/12/i386/6.1.0-56-amd64.btf.tar.xz',
    '/btfhub/debian/12/x86_64/6.1.0-56-amd64.tar.gz',
  ]) {
    const r = await app.inject({ url });
    t.equal(r.statusCode, 400, url);
    t.equal(r.json().code, 'SURFHIVE_ERR_INVALID_FIELD');
  }
});
