import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { artifactPath } from '../../src/hive/layout.js';
import { HiveRegistry } from '../../src/hive/registry.js';
import { writeKernelDb } from '../../src/kernel-db/db-file.js';
import { goldenApp, lbcOne } from '../helpers/app.js';
import { GOLDEN_KEY, GOLDEN_VER, goldenHive, goldenRows, publishKernel } from '../helpers/golden-hive.js';

const arch = 'x86_64';

async function until(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Golden rows with one type changed, so the file differs. */
function alteredRows(size: number) {
  const rows = goldenRows();
  rows.types = rows.types.map((ty) => (ty.name === 'u32' ? { ...ty, bytes: size } : ty));
  return rows;
}

t.test('registry without watches: a miss rescans, so new kernels are found at once', async (t) => {
  const h = goldenHive();
  t.teardown(h.cleanup);
  const reg = new HiveRegistry(h.hive, { watch: false, pollMs: 0 });
  t.teardown(() => reg.close());
  await reg.start();
  t.equal(reg.lookup(arch, GOLDEN_VER).status, 'ok');
  t.equal(reg.lookup(arch, '5.4.0-1').status, 'missing');
  publishKernel(h.hive, { arch, release: 'ubuntu', ver: '5.4.0-1' });
  const r = await reg.resolve(arch, '5.4.0-1');
  t.equal(r.status, 'ok');
  if (r.status === 'ok')
    t.same(
      [r.kernel.release, r.kernel.releases, Object.keys(r.kernel.artifacts)],
      ['ubuntu', ['ubuntu'], ['db']],
    );
  // names that are not ours are ignored
  mkdirSync(path.join(h.hive, arch, 'db', 'Bad Release'), { recursive: true });
  copyFileSync(h.dbFile, path.join(h.hive, arch, 'db', 'debian', 'info-6.1.0.db.tmp'));
  copyFileSync(h.dbFile, path.join(h.hive, arch, 'db', 'debian', 'info-..db'));
  await reg.refresh();
  t.same(
    reg.list().map((k) => k.ver),
    ['5.4.0-1', GOLDEN_VER],
  );
  t.same(
    reg.list({ release: 'ubuntu' }).map((k) => k.ver),
    ['5.4.0-1'],
  );
  t.same(
    reg.list({ verPrefix: '6.' }).map((k) => k.ver),
    [GOLDEN_VER],
  );
});

t.test(
  'the running app sees new kernels, identical duplicates, conflicts and replaced databases',
  async (t) => {
    const h = await goldenApp({ registryOptions: { pollMs: 200 } });
    t.teardown(h.close);
    const { app, hive } = h;

    t.test('a kernel published while running is visible without restart', async (t) => {
      const ver = '5.10.0-30-amd64';
      t.same(await lbcOne(app, { cmd: 'type', ver, arch, type: 'u8' }), { log: 'version not support.' });
      publishKernel(hive, { arch, release: 'debian', ver });
      t.same(await lbcOne(app, { cmd: 'type', ver, arch, type: 'u8' }), {
        log: 'ok.',
        res: { name: 'u8', type: 'unsigned char', size: 1 },
      });
      const list = (await app.inject('/api/v1/kernels')).json() as { total: number };
      t.equal(list.total, 2);
    });

    t.test('an identical copy under another release is no conflict', async (t) => {
      const dst = artifactPath(hive, { ...GOLDEN_KEY, release: 'ubuntu' }, 'db');
      mkdirSync(path.dirname(dst), { recursive: true });
      copyFileSync(h.dbFile, `${dst}.part`);
      renameSync(`${dst}.part`, dst);
      await until('ubuntu copy listed', async () => {
        const k = (await app.inject(`/api/v1/kernels/x86_64/${GOLDEN_VER}`)).json() as {
          releases?: string[];
        };
        return k.releases?.length === 2;
      });
      const k = (await app.inject(`/api/v1/kernels/x86_64/${GOLDEN_VER}`)).json() as Record<string, unknown>;
      t.same([k.release, k.releases], ['debian', ['debian', 'ubuntu']]);
      t.same((await app.inject('/api/v1/conflicts')).json(), { items: [] });
      t.same(await lbcOne(app, { cmd: 'type', ver: GOLDEN_VER, arch, type: 'u32' }), {
        log: 'ok.',
        res: { name: 'u32', type: 'unsigned int', size: 4 },
      });
      rmSync(dst);
    });

    t.test('a different kernel claiming the same ver under another release is reported', async (t) => {
      const dst = artifactPath(hive, { ...GOLDEN_KEY, release: 'centos' }, 'db');
      mkdirSync(path.dirname(dst), { recursive: true });
      writeKernelDb(`${dst}.part`, alteredRows(99));
      renameSync(`${dst}.part`, dst);
      await until('conflict listed', async () => {
        const c = (await app.inject('/api/v1/conflicts')).json() as { items: unknown[] };
        return c.items.length === 1;
      });
      t.same((await app.inject('/api/v1/conflicts')).json(), {
        items: [{ arch, ver: GOLDEN_VER, releases: ['centos', 'debian'], kinds: ['db'] }],
      });
      const msg = `kernel ${GOLDEN_VER} (x86_64) is ambiguous: releases centos, debian hold different db files`;
      t.same(await lbcOne(app, { cmd: 'type', ver: GOLDEN_VER, arch, type: 'u32' }), { log: msg });
      const rest = await app.inject(`/api/v1/kernels/x86_64/${GOLDEN_VER}/types/u32`);
      t.equal(rest.statusCode, 409);
      t.same(rest.json(), {
        statusCode: 409,
        code: 'SURFHIVE_ERR_KERNEL_CONFLICT',
        error: 'Conflict',
        message: msg,
      });
      t.same(((await app.inject('/readyz')).json() as { conflicts: number }).conflicts, 1);
      rmSync(dst);
      await until('conflict resolved', async () => {
        const c = (await app.inject('/api/v1/conflicts')).json() as { items: unknown[] };
        return c.items.length === 0;
      });
      t.same(await lbcOne(app, { cmd: 'type', ver: GOLDEN_VER, arch, type: 'u32' }), {
        log: 'ok.',
        res: { name: 'u32', type: 'unsigned int', size: 4 },
      });
    });

    t.test('a database renamed over the old one gives new answers once the watch reports it', async (t) => {
      const u32 = () => lbcOne(app, { cmd: 'type', ver: GOLDEN_VER, arch, type: 'u32' });
      const before = await u32();
      t.same(before, { log: 'ok.', res: { name: 'u32', type: 'unsigned int', size: 4 } });
      writeKernelDb(`${h.dbFile}.part`, alteredRows(7));
      renameSync(`${h.dbFile}.part`, h.dbFile);
      await until('the new database answered', async () => {
        const r = (await u32())?.res as { size?: number } | undefined;
        return r?.size === 7;
      });
      t.same(await u32(), {
        log: 'ok.',
        res: { name: 'u32', type: 'unsigned int', size: 7 },
      });
      t.same((await app.inject(`/api/v1/kernels/x86_64/${GOLDEN_VER}/types/u32`)).json(), {
        name: 'u32',
        type: 'unsigned int',
        size: 7,
      });
    });

    t.test('a database removed from the hive is no longer answered', async (t) => {
      const ver = '5.10.0-30-amd64';
      rmSync(artifactPath(hive, { arch, release: 'debian', ver }, 'db'));
      await until('no answer for it', async () => {
        const r = await lbcOne(app, { cmd: 'type', ver, arch, type: 'u8' });
        return r?.log === 'version not support.';
      });
      t.same(await lbcOne(app, { cmd: 'type', ver, arch, type: 'u8' }), { log: 'version not support.' });
      await until('gone from the list', async () => {
        const list = (await app.inject('/api/v1/kernels')).json() as { total: number };
        return list.total === 1;
      });
    });
  },
);

t.test(
  'misses for unknown kernels share disk checks; a kernel published meanwhile is still found',
  async (t) => {
    const h = goldenHive();
    t.teardown(h.cleanup);
    const reg = new HiveRegistry(h.hive, { watch: false, pollMs: 0 });
    t.teardown(() => reg.close());
    await reg.start();
    const before = reg.missChecks;
    const flood = await Promise.all(
      Array.from({ length: 64 }, (_, i) => reg.resolve(arch, `5.4.0-${1000 + i}`)),
    );
    t.ok(
      flood.every((r) => r.status === 'missing'),
      'all missing',
    );
    t.ok(reg.missChecks - before <= 2, `64 concurrent misses, ${reg.missChecks - before} disk checks`);

    // A miss arriving while a check runs waits for one that starts after it: the kernel
    // published just before it asked is found.
    const first = reg.resolve(arch, '5.4.0-1');
    publishKernel(h.hive, { arch, release: 'ubuntu', ver: '5.4.0-2' });
    const second = reg.resolve(arch, '5.4.0-2');
    t.equal((await first).status, 'missing');
    t.equal((await second).status, 'ok');
  },
);
