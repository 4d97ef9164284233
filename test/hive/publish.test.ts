import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { link, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { artifactPath, type KernelKey } from '../../src/hive/layout.js';
import {
  makeStagingDir,
  publishKernel,
  recoverHive,
  stagingRoot,
  withKernelLock,
} from '../../src/hive/publish.js';

const key: KernelKey = { arch: 'x86_64', release: 'anolis', ver: '4.19.91-23.4.an8.x86_64' };

async function stage(hive: string, tag: string) {
  const tx = await makeStagingDir(hive, 'test');
  const files = { btf: path.join(tx, 'b'), head: path.join(tx, 'h'), db: path.join(tx, 'd') };
  for (const [k, f] of Object.entries(files)) await writeFile(f, `${k} ${tag}`);
  return { tx, files };
}

t.test('publishes every artifact at its hive path and cleans the staging directory', async (t) => {
  const hive = mkdtempSync(path.join(os.tmpdir(), 'hive-'));
  const { tx, files } = await stage(hive, 'v1');
  await publishKernel(hive, key, files, tx);
  t.equal(readFileSync(artifactPath(hive, key, 'db'), 'utf8'), 'db v1');
  t.equal(readFileSync(artifactPath(hive, key, 'head'), 'utf8'), 'head v1');
  t.match(artifactPath(hive, key, 'db'), /x86_64\/db\/anolis\/info-4\.19\.91-23\.4\.an8\.x86_64\.db$/);
  t.same(readdirSync(stagingRoot(hive)), []);
});

t.test('a publication interrupted by a crash is rolled back to the previous kernel', async (t) => {
  const hive = mkdtempSync(path.join(os.tmpdir(), 'hive-'));
  const first = await stage(hive, 'v1');
  await publishKernel(hive, key, first.files, first.tx);

  // Re-enact publishKernel up to a crash after the btf and head renames, before the db.
  const { tx, files } = await stage(hive, 'v2');
  writeFileSync(path.join(tx, 'owner.pid'), '999999999'); // a process that no longer exists
  mkdirSync(path.join(tx, 'new'));
  mkdirSync(path.join(tx, 'old'));
  for (const kind of ['btf', 'head', 'db'] as const) {
    await rename(files[kind], path.join(tx, 'new', kind));
    await link(artifactPath(hive, key, kind), path.join(tx, 'old', kind));
  }
  await writeFile(
    path.join(tx, 'journal.json'),
    JSON.stringify({ key, kinds: ['btf', 'head', 'db'], replaced: ['btf', 'head', 'db'] }),
  );
  await rename(path.join(tx, 'new', 'btf'), artifactPath(hive, key, 'btf'));
  await rename(path.join(tx, 'new', 'head'), artifactPath(hive, key, 'head'));
  t.equal(readFileSync(artifactPath(hive, key, 'btf'), 'utf8'), 'btf v2', 'half published');

  const res = await recoverHive(hive);
  t.same(res.rolledBack, [key]);
  for (const kind of ['btf', 'head', 'db'] as const) {
    t.equal(readFileSync(artifactPath(hive, key, kind), 'utf8'), `${kind} v1`, `${kind} restored`);
  }
  t.same(readdirSync(stagingRoot(hive)), []);
});

t.test('a first publication interrupted by a crash leaves no kernel behind', async (t) => {
  const hive = mkdtempSync(path.join(os.tmpdir(), 'hive-'));
  const { tx, files } = await stage(hive, 'v1');
  writeFileSync(path.join(tx, 'owner.pid'), '999999999');
  mkdirSync(path.join(tx, 'new'));
  await rename(files.btf, path.join(tx, 'new', 'btf'));
  await writeFile(path.join(tx, 'journal.json'), JSON.stringify({ key, kinds: ['btf', 'db'], replaced: [] }));
  mkdirSync(path.dirname(artifactPath(hive, key, 'btf')), { recursive: true });
  await rename(path.join(tx, 'new', 'btf'), artifactPath(hive, key, 'btf'));
  await recoverHive(hive);
  t.notOk(existsSync(artifactPath(hive, key, 'btf')));
  t.notOk(existsSync(artifactPath(hive, key, 'db')));
});

t.test('recovery leaves the scratch directories of live processes alone', async (t) => {
  const hive = mkdtempSync(path.join(os.tmpdir(), 'hive-'));
  const { tx } = await stage(hive, 'v1');
  await recoverHive(hive);
  t.ok(existsSync(tx), 'own staging directory kept');
});

t.test('the same kernel cannot be built twice at once; a dead holder is taken over', async (t) => {
  const hive = mkdtempSync(path.join(os.tmpdir(), 'hive-'));
  let inner: unknown;
  await withKernelLock(hive, key, 'built', async () => {
    inner = await withKernelLock(hive, key, 'built', async () => 'second').catch((e: Error) => e.message);
  });
  t.match(inner, /being built by another job/);
  writeFileSync(path.join(stagingRoot(hive), `lock-${key.arch}-${key.ver}`), '999999999');
  t.equal(await withKernelLock(hive, key, 'built', async () => 'taken over'), 'taken over');
});

t.test('recovery leaves a live build’s kernel lock alone', async (t) => {
  const hive = mkdtempSync(path.join(os.tmpdir(), 'hive-'));
  await withKernelLock(hive, key, 'built', async () => {
    await recoverHive(hive);
    t.ok(existsSync(path.join(stagingRoot(hive), `lock-${key.arch}-${key.ver}`)), 'lock kept');
  });
});
