import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { compareKernelVersions } from '../../src/history/kernel-version.js';
import { buildKernel } from '../../src/indexer/pipeline.js';
import { compileC, tempDir } from '../build/helpers/btf-tools.js';
import { TOOLS } from '../helpers/tools.js';
import { logger } from './helpers.js';

t.test('kernel versions order as kernels do, not as text', async (t) => {
  const sorted = [
    '4.19.91-23.4.an8.x86_64',
    '4.19.91-24.1.an8.x86_64',
    '5.4.0-42-generic',
    '5.9.0-1',
    '5.10.0-1',
    '5.15.0-91-generic',
    '6.1.0-9-amd64',
    '6.1.0-10-amd64',
    '6.8.0~rc3',
    '6.8.0',
    '6.8.0-1',
  ];
  const shuffled = [...sorted].reverse();
  t.same(shuffled.sort(compareKernelVersions), sorted);
  t.equal(compareKernelVersions('6.1.0-56-amd64', '6.1.0-56-amd64'), 0);
  t.ok(compareKernelVersions('5.10.0-1', '5.9.0-1') > 0);
  t.ok(compareKernelVersions('1'.repeat(40), '9'.repeat(39)) > 0, 'long digit runs compare without overflow');
});

/** Three "kernels" from C: `nr_running` renamed `nr_queued` in place, then `name` moves; `state` retyped. */
const SOURCES: Record<string, string> = {
  '5.9.0-1': 'struct rq { int nr_running; long load; char name[8]; };\nstruct task { long state; int pid; };',
  '6.8.0~rc3':
    'struct rq { int nr_queued; long load; char name[8]; };\nstruct task { unsigned int __state; int pid; };',
  '6.8.0-1':
    'struct rq { int nr_queued; long load; int extra; char name[8]; };\nstruct task { unsigned int __state; int pid; };',
};

t.test('member and struct history over fixture kernels, with renames', async (t) => {
  const { dir, cleanup } = tempDir('history');
  t.teardown(cleanup);
  const hive = join(dir, 'hive');
  // built in the reverse of version order: the answer must not follow build or text order
  for (const [ver, body] of Object.entries(SOURCES).reverse()) {
    const src = `k-${ver.replace(/[^0-9a-z]/g, '_')}.c`;
    writeFileSync(
      join(dir, src),
      `${body}\nint use(struct rq *r, struct task *t) { return r->load + t->pid; }\n`,
    );
    await compileC(dir, src, `${src}.so`);
    await buildKernel({
      hive,
      key: { arch: 'x86_64', release: 'debian', ver },
      input: join(dir, `${src}.so`),
      keepVmlinux: false,
      force: false,
      logger,
      tools: TOOLS,
    });
  }
  const app = await buildApp({
    config: loadConfig({}, { hive, logLevel: 'silent' }),
    registryOptions: { pollMs: 0, watch: false },
    docs: false,
  });
  t.teardown(() => app.close());
  await app.ready();
  const get = async (url: string) => {
    const r = await app.inject({ url });
    t.equal(r.statusCode, 200, url);
    return r.json();
  };

  const running = await get('/api/v1/structs/rq/history?member=nr_running');
  t.same(
    running.kernels.map((k: { ver: string; place: { state: string } }) => [k.ver, k.place.state]),
    [
      ['5.9.0-1', 'present'],
      ['6.8.0~rc3', 'absent'],
      ['6.8.0-1', 'absent'],
    ],
  );
  t.same(running.firstPresent.ver, '5.9.0-1');
  t.same(running.lastPresent.ver, '5.9.0-1');
  t.equal(running.runs.length, 2);
  t.match(running.renames, [
    {
      from: 'nr_running',
      to: 'nr_queued',
      type: 'int',
      offset: 0,
      size: 4,
      before: { ver: '5.9.0-1' },
      after: { ver: '6.8.0~rc3' },
    },
  ]);

  const name = await get('/api/v1/structs/struct%20rq/history?member=name&arch=x86_64&release=debian');
  t.same(
    name.runs.map((r: { first: { ver: string }; count: number; layout: { offset: number } }) => [
      r.first.ver,
      r.count,
      r.layout.offset,
    ]),
    [
      ['5.9.0-1', 2, 16],
      ['6.8.0-1', 1, 20],
    ],
  );
  t.same(name.renames, []);

  const state = await get('/api/v1/structs/task/history?member=state');
  t.same(state.renames, [], 'a member whose type changes is no rename');

  const whole = await get('/api/v1/structs/rq/history');
  t.equal(whole.runs.length, 3);
  t.equal(whole.layouts.length, 3, 'each distinct layout once');
  t.same(
    whole.layouts[whole.runs[0].layout].cells.map((c: { name: string }) => c.name),
    ['nr_running', 'load', 'name[8]'],
  );
  t.match(whole.renames, [{ from: 'nr_running', to: 'nr_queued' }]);
  t.match(
    whole.members.find((m: { name: string }) => m.name === 'nr_queued'),
    { first: { ver: '6.8.0~rc3' }, last: { ver: '6.8.0-1' }, kernels: 2 },
  );

  const paged = await get('/api/v1/structs/rq/history?member=load&limit=1&offset=1');
  t.match(paged, { total: 3, offset: 1, limit: 1 });
  t.equal(paged.kernels.length, 1);

  const none = await get('/api/v1/structs/no_such/history?member=x');
  t.ok(none.kernels.every((k: { place: { state: string } }) => k.place.state === 'no-struct'));
  t.notOk(none.firstPresent);
  const bad = await app.inject({ url: '/api/v1/structs/rq/history?member=a..b' });
  t.equal(bad.json().code, 'SURFHIVE_ERR_INVALID_FIELD');
  const tooMany = await app.inject({ url: '/api/v1/structs/rq/history?limit=5000' });
  t.equal(tooMany.statusCode, 400);
});
