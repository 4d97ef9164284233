import t from 'tap';
import { GOLDEN_VER, goldenHive, loadGolden } from '../helpers/golden-hive.js';
import { explorerApp } from '../web/explorer-app.js';
import { OLDER_VER, publishOlder } from '../web/fixture-kernels.js';

const h = goldenHive();
publishOlder(h.hive);
const app = await explorerApp(h.config);
t.teardown(async () => {
  await app.close();
  h.cleanup();
});

const A = `x86_64/${OLDER_VER}`;
const B = `x86_64/${GOLDEN_VER}`;
const get = (url: string) => app.inject({ url });
const diffUrl = (name: string, a: string, b: string) =>
  `/api/v1/diff/structs/${encodeURIComponent(name)}?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`;

t.test('task_struct from the older kernel to golden', async (t) => {
  const r = await get(diffUrl('struct task_struct', A, B));
  t.equal(r.statusCode, 200);
  const d = r.json();
  t.equal(d.name, 'struct task_struct');
  t.same(d.a, { arch: 'x86_64', ver: OLDER_VER, size: 280, members: 36 });
  t.same(d.b, { arch: 'x86_64', ver: GOLDEN_VER, size: 288, members: 36 });
  t.same(d.summary, { same: 32, moved: 1, resized: 1, retyped: 1, added: 1, removed: 1 });
  const by = (name: string) => d.members.find((m: { name: string }) => m.name === name);
  t.same(by('old_flags').status, 'removed');
  t.same(by('vol').status, 'added');
  t.same(by('comm').status, 'resized');
  t.same(by('comm').a.name, 'comm[8]');
  t.same(by('comm').b.name, 'comm[16]');
  t.same(by('tgid').status, 'moved');
  t.same([by('tgid').a.offset, by('tgid').b.offset], [140, 136]);
  t.same(by('ptype').status, 'retyped');
  t.same(by('se.run_node.rb_left').status, 'same');
  const names = d.members.map((m: { name: string }) => m.name);
  t.equal(names.indexOf('old_flags'), names.indexOf('prio') + 1, 'removed member stays where a had it');
});

t.test('the bare tag names the same struct, as /structs/:name takes it', async (t) => {
  const bare = await get(diffUrl('task_struct', A, B));
  t.equal(bare.statusCode, 200);
  t.same(bare.json(), (await get(diffUrl('struct task_struct', A, B))).json());
});

t.test('the same kernel on both sides: nothing changed', async (t) => {
  const d = (await get(diffUrl('struct sched_entity', B, B))).json();
  t.equal(d.summary.same, d.members.length);
  t.equal(d.members.length, 10);
});

t.test('errors are coded and never echo the input', async (t) => {
  const missing = await get(diffUrl('struct nope', A, B));
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'SURFHIVE_ERR_STRUCT_NOT_FOUND');
  t.equal(missing.json().message, `no struct nope in kernel ${A}`, 'names the struct and the kernel');
  const noKernel = await get(diffUrl('struct task_struct', A, 'x86_64/9.9.9'));
  t.equal(noKernel.statusCode, 404);
  t.equal(noKernel.json().code, 'SURFHIVE_ERR_KERNEL_NOT_FOUND');
  for (const bad of ['sparc/1.0', 'x86_64', 'x86_64/../../etc', 'x86_64/1..2', `x86_64/${'9'.repeat(200)}`]) {
    const r = await get(diffUrl('struct task_struct', bad, B));
    t.equal(r.statusCode, 400, bad);
    t.notMatch(r.body, /etc|sparc/, 'no echo');
  }
  t.equal((await get(`/api/v1/diff/structs/x?a=${A}`)).statusCode, 400, 'b is required');
  t.equal((await get(diffUrl('struct task_struct;', A, B))).statusCode, 400);
});

t.test('documented in the OpenAPI document', async (t) => {
  const doc = (await get('/api/v1/openapi.json')).json();
  t.ok(doc.paths['/api/v1/diff/structs/{name}']);
  t.ok(doc.paths['/api/v1/kernels/{arch}/{ver}/counts']);
});

t.test('counts', async (t) => {
  const r = await get(`/api/v1/kernels/x86_64/${GOLDEN_VER}/counts`);
  t.equal(r.statusCode, 200);
  const g = loadGolden();
  t.same(r.json(), { structs: g.structs.length, functions: g.funcs.length, types: g.types.length });
});
