import { renameSync } from 'node:fs';
import t from 'tap';
import { writeKernelDb } from '../../src/kernel-db/db-file.js';
import { goldenApp, lbcOne } from '../helpers/app.js';
import { GOLDEN_VER, goldenRows } from '../helpers/golden-hive.js';

const arch = 'x86_64';
const u32Req = { cmd: 'type', ver: GOLDEN_VER, arch, type: 'u32' };
const u32Answer = (size: number) => ({ log: 'ok.', res: { name: 'u32', type: 'unsigned int', size } });

/** Golden rows with u32 of another size, written beside the database and renamed over it. */
function replaceDb(dbFile: string, u32Size: number): void {
  const rows = goldenRows();
  rows.types = rows.types.map((ty) => (ty.name === 'u32' ? { ...ty, bytes: u32Size } : ty));
  writeKernelDb(`${dbFile}.part`, rows);
  renameSync(`${dbFile}.part`, dbFile);
}

async function until(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const metric = async (app: Awaited<ReturnType<typeof goldenApp>>['app'], line: RegExp) => {
  const text = (await app.inject('/metrics')).body;
  return Number(line.exec(text)?.[1] ?? Number.NaN);
};

t.test('a database renamed over the old one is seen through the hive watch, with no poll', async (t) => {
  const h = await goldenApp({ registryOptions: { pollMs: 0 } });
  t.teardown(h.close);
  const { app } = h;
  for (let i = 0; i < 5; i++) t.same(await lbcOne(app, u32Req), u32Answer(4));
  t.equal(
    await metric(app, /^surfhive_lbc_requests_total\{cmd="type",outcome="ok"\} (\d+)/m),
    5,
    'remembered replies are counted like the others',
  );
  t.equal(await metric(app, /^surfhive_answer_cache_total\{result="miss"\} (\d+)/m), 1, 'one database read');

  replaceDb(h.dbFile, 7);
  await until('the replaced database answered', async () => {
    const r = (await lbcOne(app, u32Req))?.res as { size?: number } | undefined;
    return r?.size === 7;
  });
  t.same(await lbcOne(app, u32Req), u32Answer(7));
  t.same((await app.inject(`/api/v1/kernels/x86_64/${GOLDEN_VER}/types/u32`)).json(), u32Answer(7).res);
});

t.test('without watch or poll the registry is the only truth: answers stay until it rescans', async (t) => {
  const h = await goldenApp({ registryOptions: { pollMs: 0, watch: false } });
  t.teardown(h.close);
  const { app } = h;
  const struct = { cmd: 'struct', ver: GOLDEN_VER, arch, struct: 'struct task_struct' };
  const before = await lbcOne(app, struct);
  t.same(await lbcOne(app, u32Req), u32Answer(4));

  replaceDb(h.dbFile, 9);
  // Nothing on the request path looks at the file: the remembered answers are served.
  t.same(await lbcOne(app, u32Req), u32Answer(4));
  t.same(await lbcOne(app, struct), before);

  await app.surfhive.registry.refresh();
  t.same(await lbcOne(app, u32Req), u32Answer(9), 'the rescan names the new version: new answers');
  t.same((await app.inject(`/api/v1/kernels/x86_64/${GOLDEN_VER}/types/u32`)).json(), u32Answer(9).res);
});

t.test('REST struct layouts are served from the answer cache, and follow a replaced database', async (t) => {
  const h = await goldenApp({ registryOptions: { pollMs: 0, watch: false } });
  t.teardown(h.close);
  const { app } = h;
  const url = `/api/v1/kernels/x86_64/${GOLDEN_VER}/structs/${encodeURIComponent('struct task_struct')}`;
  const first = await app.inject(url);
  t.equal(first.statusCode, 200);
  t.match(first.headers['content-type'], /^application\/json/);
  const again = await app.inject(url);
  t.equal(again.body, first.body, 'same bytes');
  t.equal(await metric(app, /^surfhive_answer_cache_total\{result="hit"\} (\d+)/m), 1);
  const missing = await app.inject(`/api/v1/kernels/x86_64/${GOLDEN_VER}/structs/nosuch_struct`);
  t.equal(missing.statusCode, 404, 'a struct that is not there is still 404');
  t.equal(missing.json().code, 'SURFHIVE_ERR_STRUCT_NOT_FOUND');

  replaceDb(h.dbFile, 4);
  await app.surfhive.registry.refresh();
  const after = await app.inject(url);
  t.equal(after.statusCode, 200);
  t.same(after.json(), first.json(), 'same content from the new file');
  t.equal(
    await metric(app, /^surfhive_answer_cache_total\{result="miss"\} (\d+)/m),
    3,
    'read again after the rescan',
  );
});
