import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { buildModulesDb, KO_LIMITS } from '../../src/indexer/modules-db.js';
import { compileC, run, tempDir } from '../build/helpers/btf-tools.js';
import { goldenApp, lbcOne } from '../helpers/app.js';
import { GOLDEN_KEY } from '../helpers/golden-hive.js';
import { TOOLS } from '../helpers/tools.js';

const { arch, ver } = GOLDEN_KEY;

t.test('ko: a database of the uploaded modules alone', async (t) => {
  const g = await goldenApp();
  const { dir, cleanup } = tempDir('ko');
  t.teardown(async () => {
    await g.close();
    cleanup();
  });
  copyFileSync(join(import.meta.dirname, '../build/fixtures/module.c'), join(dir, 'mod_thing.c'));
  await compileC(dir, 'mod_thing.c', 'mod_thing.ko', 'object');
  await compileC(dir, 'mod_thing.c', 'other.ko', 'object');
  await run('zstd', ['-q', '-k', join(dir, 'other.ko')]);
  const kos = {
    'mod_thing.ko': readFileSync(join(dir, 'mod_thing.ko')).toString('base64'),
    'other.ko.zst': readFileSync(join(dir, 'other.ko.zst')).toString('base64'),
  };
  const res = await lbcOne(g.app, { cmd: 'ko', ver, arch, kos });
  t.equal(res?.log, 'ok.');
  const dbFile = join(dir, 'prev.db');
  writeFileSync(dbFile, Buffer.from(res?.db as string, 'base64'));
  const db = new Database(dbFile, { readonly: true });
  t.teardown(() => db.close());
  const funcs = db.prepare('SELECT func, args, ret, module, line FROM funs ORDER BY module').all();
  t.same(funcs, [
    { func: 'mod_init', args: '["struct mod_thing *"]', ret: 'int', module: 'mod_thing', line: 12 },
    { func: 'mod_init', args: '["struct mod_thing *"]', ret: 'int', module: 'other', line: 12 },
  ]);
  const thing = db
    .prepare("SELECT id, members, bytes FROM structs WHERE name = 'struct mod_thing'")
    .get() as {
    id: number;
    members: number;
  };
  t.ok(thing, 'module struct present');
  const cells = db.prepare('SELECT name, types FROM members WHERE fid = ? ORDER BY id').all(thing.id);
  t.match(cells, [
    { name: 'node.next' },
    { name: 'node.prev' },
    { name: 'id' },
    { name: 'flags' },
    { name: 'name' },
  ]);
  t.same(db.prepare('SELECT name FROM types WHERE id = 1').get(), { name: 'void *' });
});

t.test('ko: hostile uploads get a clear log and no crash', async (t) => {
  const g = await goldenApp();
  t.teardown(() => g.close());
  const elf = Buffer.from('\x7fELF not really a module', 'latin1').toString('base64');
  const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`m${i}.ko`, elf]));
  const cases: [unknown, RegExp][] = [
    [undefined, /^bad kos key\.$/],
    [[], /^bad kos key\.$/],
    ['x.ko', /^bad kos key\.$/],
    [{}, /^bad kos key\.$/],
    [many, /^bad kos key\.$/],
    [{ 'a.ko': 'not base64!!' }, /^bad kos key\.$/],
    [{ 'a.ko': 42 }, /^bad kos key\.$/],
    [{ '../evil.ko': elf }, /NAME\.ko/],
    [{ 'dir/evil.ko': elf }, /NAME\.ko/],
    [{ 'evil.so': elf }, /NAME\.ko/],
    [{ 'a.ko': Buffer.from('plain text').toString('base64') }, /./],
    [{ 'a.ko': elf }, /./],
    [{ 'big.ko': Buffer.alloc(17 * 1024 * 1024).toString('base64') }, /16 MiB|too large/],
  ];
  for (const [kos, log] of cases) {
    const res = await lbcOne(g.app, { cmd: 'ko', ver, arch, kos });
    t.not(res?.log, 'ok.', JSON.stringify(kos)?.slice(0, 60));
    t.match(res?.log, log);
    t.notMatch(String(res?.log), /\/tmp\/|\/work\/|\.work/, 'no host path');
  }
});

t.test('ko: at most 32 files and 16 MiB in all', async (t) => {
  const { dir, cleanup } = tempDir('ko-limits');
  t.teardown(cleanup);
  const big = [{ fileName: 'big.ko', data: Buffer.alloc(KO_LIMITS.bytes + 1) }];
  const err = (await buildModulesDb(big, { workDir: join(dir, 'w1'), tools: TOOLS }).catch(
    (e: unknown) => e,
  )) as {
    code?: string;
  };
  t.equal(err.code, 'SURFHIVE_ERR_BODY_TOO_LARGE');
  const many = Array.from({ length: KO_LIMITS.files + 1 }, (_, i) => ({
    fileName: `m${i}.ko`,
    data: Buffer.alloc(1),
  }));
  const err2 = (await buildModulesDb(many, { workDir: join(dir, 'w2'), tools: TOOLS }).catch(
    (e: unknown) => e,
  )) as {
    code?: string;
  };
  t.equal(err2.code, 'SURFHIVE_ERR_INVALID_FIELD');
});
