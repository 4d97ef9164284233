import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { LayoutIndexKeeper, recordRemovedKernel } from '../../src/history/index-keeper.js';
import { compareKernelVersions } from '../../src/history/kernel-version.js';
import { LayoutIndex, layoutIndexFile } from '../../src/history/layout-index.js';
import { LayoutCache } from '../../src/history/layouts.js';
import { memberHistory, structHistory } from '../../src/history/struct-history.js';
import type { KernelKey } from '../../src/hive/layout.js';
import { HiveRegistry, type KernelEntry } from '../../src/hive/registry.js';
import { unpublishKernel } from '../../src/hive/unpublish.js';
import { buildLocalKernel } from '../../src/indexer/local-kernel.js';
import { buildKernel } from '../../src/indexer/pipeline.js';
import { KernelLookup } from '../../src/lookup/kernel-lookup.js';
import { compileC, tempDir } from '../build/helpers/btf-tools.js';
import { buildFixtureKernel } from '../build/helpers/fixture-kernel.js';
import { TOOLS } from '../helpers/tools.js';
import { logger } from './helpers.js';

const RENAMES: Record<string, string> = {
  '5.9.0-1': 'struct task_struct { long state; int pid; char comm[8]; };\nstruct rq { int nr_running; };',
  '5.10.0-1':
    'struct task_struct { unsigned int __state; int pid; char comm[8]; };\nstruct rq { int nr_running; };',
};

async function buildC(dir: string, hive: string, ver: string, body: string) {
  const src = `k-${ver.replace(/[^0-9a-z]/g, '_')}.c`;
  writeFileSync(
    join(dir, src),
    `${body}\nint use(struct task_struct *t, struct rq *r) { return t->pid + r->nr_running; }\n`,
  );
  await compileC(dir, src, `${src}.so`);
  const key: KernelKey = { arch: 'x86_64', release: 'debian', ver };
  await buildKernel({
    hive,
    key,
    input: join(dir, `${src}.so`),
    keepVmlinux: false,
    force: false,
    logger,
    tools: TOOLS,
  });
  return key;
}

const order = (a: KernelEntry, b: KernelEntry) => compareKernelVersions(a.ver, b.ver);

/** Structs and paths with every shape resolution meets: flattened, nested by value, arrays, `x[]`, typedefs. */
const QUERIES: [string, string | undefined][] = [
  ['task_struct', undefined],
  ['task_struct', 'comm'],
  ['task_struct', 'comm[3]'],
  ['task_struct', '__state'],
  ['task_struct', 'state'],
  ['task_struct', 'se.vruntime'],
  ['task_struct', 'se.run_node.rb_left'],
  ['task_struct', 'pid_links[1].next'],
  ['task_struct', 'no_such_member'],
  ['mm_struct', undefined],
  ['mm_struct', 'mm_users.counter'],
  ['mm_struct', 'cpu_bitmap[2]'],
  ['sched_entity', undefined],
  ['rq', 'nr_running'],
  ['no_such_struct', 'x'],
];

t.test('history from the hive index equals history from each kernel database', async (t) => {
  const { dir, cleanup } = tempDir('history-index');
  t.teardown(cleanup);
  const hive = join(dir, 'hive');
  await buildLocalKernel({ hive, logger, tools: TOOLS });
  const fixture = await buildFixtureKernel(dir);
  await buildKernel({
    hive,
    key: { arch: 'x86_64', release: 'debian', ver: '4.19.0-1' },
    input: fixture,
    keepVmlinux: false,
    force: false,
    logger,
    tools: TOOLS,
  });
  for (const [ver, body] of Object.entries(RENAMES)) await buildC(dir, hive, ver, body);

  const registry = new HiveRegistry(hive, { pollMs: 0, watch: false });
  await registry.refresh();
  t.teardown(() => registry.close());
  const kernels = registry.list().sort(order);
  t.equal(kernels.length, 4);

  // publication already indexed every kernel: the keeper finds nothing to do
  const keeper = new LayoutIndexKeeper(hive, logger);
  t.teardown(() => keeper.close());
  t.equal(keeper.current(kernels).size, 4, 'each publication wrote its kernel into the index');

  const lookupA = new KernelLookup(registry, { dbCacheSize: 8 });
  const lookupB = new KernelLookup(registry, { dbCacheSize: 8 });
  t.teardown(() => {
    lookupA.close();
    lookupB.close();
  });
  let dbReads = 0;
  const query = lookupB.query.bind(lookupB);
  lookupB.query = (k, fn) => {
    dbReads++;
    return query(k, fn);
  };
  const perKernel = new LayoutCache(lookupA);
  const indexed = new LayoutCache(lookupB, keeper);
  for (const [struct, member] of QUERIES) {
    const a =
      member === undefined
        ? structHistory(perKernel, kernels, struct)
        : memberHistory(perKernel, kernels, struct, member);
    const b =
      member === undefined
        ? structHistory(indexed, kernels, struct)
        : memberHistory(indexed, kernels, struct, member);
    t.same(b, a, `${struct} ${member ?? '(whole)'}`);
  }
  t.equal(dbReads, 0, 'the indexed answers opened no kernel database');

  const state = memberHistory(indexed, kernels, 'task_struct', 'state');
  t.same(state.renames, [], 'a member retyped as it is renamed is no rename');
  t.equal(state.lastPresent?.ver, '5.9.0-1');
  const local = kernels.find((k) => k.release === 'local')!;
  const comm = memberHistory(indexed, [local], 'task_struct', 'comm');
  t.equal(comm.kernels[0]!.place.state, 'present', "this machine's task_struct has comm");
  const flex = memberHistory(indexed, kernels, 'mm_struct', 'cpu_bitmap[2]');
  t.ok(
    flex.kernels.some((k) => k.place.state === 'present'),
    'a path into a flexible array resolves from the index too',
  );
});

t.test('the index follows kernels added, replaced and removed, and rebuilds when lost', async (t) => {
  const { dir, cleanup } = tempDir('history-index-churn');
  t.teardown(cleanup);
  const hive = join(dir, 'hive');
  const a = await buildC(dir, hive, '5.9.0-1', RENAMES['5.9.0-1']!);
  let index = LayoutIndex.open(hive);
  t.match(index.counts(), { kernels: 1 });
  const layoutsOne = index.counts().layouts;
  index.close();

  const b = await buildC(dir, hive, '5.10.0-1', RENAMES['5.10.0-1']!);
  index = LayoutIndex.open(hive);
  t.match(index.counts(), { kernels: 2 });
  t.ok(index.counts().layouts > layoutsOne, 'the changed task_struct added a layout');
  t.ok(index.counts().layouts < 2 * layoutsOne, 'unchanged layouts are stored once');
  index.close();

  // the same version rebuilt with other content replaces its rows
  await buildKernel({
    hive,
    key: b,
    input: join(dir, 'k-5_9_0_1.c.so'),
    keepVmlinux: false,
    force: true,
    logger,
    tools: TOOLS,
  });
  index = LayoutIndex.open(hive);
  t.match(index.counts(), { kernels: 2, layouts: layoutsOne }, 'the replaced layouts went');
  index.close();

  await unpublishKernel(hive, a);
  recordRemovedKernel(hive, a, logger);
  index = LayoutIndex.open(hive);
  t.match(index.counts(), { kernels: 1, layouts: layoutsOne });
  t.same(
    [...index.kernels().values()].map((k) => k.ver),
    ['5.10.0-1'],
  );
  index.close();

  // a kernel the index missed (removed behind its back, published by an old process) and a lost file
  const registry = new HiveRegistry(hive, { pollMs: 0, watch: false });
  t.teardown(() => registry.close());
  await registry.refresh();
  const keeper = new LayoutIndexKeeper(hive, logger);
  t.teardown(() => keeper.close());
  keeper.get()!.remove('x86_64', '5.10.0-1');
  t.equal(keeper.current(registry.list()).size, 0);
  await keeper.reconcile(registry.list());
  t.equal(keeper.current(registry.list()).size, 1, 'startup reconciliation indexed the missing kernel');
  keeper.close();
  writeFileSync(layoutIndexFile(hive), 'not a database');
  const again = new LayoutIndexKeeper(hive, logger);
  t.teardown(() => again.close());
  await again.reconcile(registry.list());
  t.equal(again.current(registry.list()).size, 1, 'a damaged index is set aside and rebuilt');
  const cache = new LayoutCache(new KernelLookup(registry, { dbCacheSize: 8 }), again);
  // 5.10.0-1 now holds what was built from 5.9.0-1's source
  t.equal(memberHistory(cache, registry.list(), 'task_struct', 'state').kernels[0]!.place.state, 'present');
});

t.test('a process killed in the middle of writing a kernel leaves the index as it was', async (t) => {
  const { dir, cleanup } = tempDir('history-index-crash');
  t.teardown(cleanup);
  const hive = join(dir, 'hive');
  await buildC(dir, hive, '5.9.0-1', RENAMES['5.9.0-1']!);
  const before = (() => {
    const i = LayoutIndex.open(hive);
    const c = i.counts();
    i.close();
    return c;
  })();
  const child = spawn(
    process.execPath,
    [...process.execArgv, join(import.meta.dirname, 'helpers/index-crash-child.ts'), hive],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const signal = await new Promise((r) => child.on('exit', (_code, sig) => r(sig)));
  t.equal(signal, 'SIGKILL');
  t.match(out, /writing/, 'the child died inside the transaction');
  t.ok(existsSync(`${layoutIndexFile(hive)}-wal`), 'it left its write-ahead log behind');
  const db = new Database(layoutIndexFile(hive), { readonly: true });
  t.equal((db.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok');
  db.close();
  const index = LayoutIndex.open(hive);
  t.same(index.counts(), before, 'no half-written kernel');
  t.same(
    [...index.kernels().values()].map((k) => k.ver),
    ['5.9.0-1'],
  );
  index.close();
});
