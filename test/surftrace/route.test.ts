import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import t, { type Test } from 'tap';
import { installErrorHandling } from '../../src/api/errors.js';
import { createMetrics } from '../../src/api/metrics.js';
import { surftraceRoutes } from '../../src/api/rest/surftrace.js';
import { artifactPath } from '../../src/hive/layout.js';
import { HiveRegistry } from '../../src/hive/registry.js';
import { KernelLookup } from '../../src/lookup/kernel-lookup.js';
import { fixtureRows, tempDb } from './helpers/kernel-dbs.js';

const VER = '5.10.0-fixture';

async function server(tt: Test) {
  const hive = mkdtempSync(join(tmpdir(), 'surftrace-hive-'));
  const db = tempDb(fixtureRows());
  const file = artifactPath(hive, { arch: 'x86_64', release: 'test', ver: VER }, 'db');
  mkdirSync(join(file, '..'), { recursive: true });
  copyFileSync(db.file, file);
  db.remove();
  const registry = new HiveRegistry(hive, { watch: false, pollMs: 0 });
  await registry.start();
  const lookup = new KernelLookup(registry, { dbCacheSize: 2 });
  const app = Fastify();
  installErrorHandling(app);
  await app.register(async (api) => surftraceRoutes(api, { lookup, registry, metrics: createMetrics() }), {
    prefix: '/api/v1',
  });
  tt.teardown(async () => {
    await app.close();
    lookup.close();
    registry.close();
    rmSync(hive, { recursive: true, force: true });
  });
  return app;
}

t.test('POST gives definitions, filters, writes and the script', async (tt) => {
  const app = await server(tt);
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/kernels/x86_64/${VER}/surftrace`,
    payload: { expressions: ['p wake_up_new_task comm=%0->comm f:comm=="sh"', 'e sched/sched_process_exec'] },
  });
  tt.equal(res.statusCode, 200, 'status 200');
  const body = res.json();
  const [p, e] = body.expressions;
  tt.equal(p.definition, 'p:p0 wake_up_new_task comm=+0xa8(%di):string');
  tt.equal(p.filter, 'comm=="sh"');
  tt.same(
    p.writes.map((w: { op: string; file: string }) => `${w.op} ${w.file}`),
    [
      'append kprobe_events',
      `write instances/${body.instance}/events/${body.group}/p0/filter`,
      `write instances/${body.instance}/events/${body.group}/p0/enable`,
    ],
  );
  tt.equal(p.writes[0].value, `p:${body.group}/p0 wake_up_new_task comm=+0xa8(%di):string`);
  tt.equal(e.definition, null);
  tt.match(body.script, /^#!\/bin\/sh\n/);
  tt.match(body.script, /trap cleanup EXIT/);
});

t.test('clear errors for unknown symbols, members and bad syntax', async (tt) => {
  const app = await server(tt);
  const post = (expressions: string[]) =>
    app.inject({ method: 'POST', url: `/api/v1/kernels/x86_64/${VER}/surftrace`, payload: { expressions } });
  const cases: [string, number, string][] = [
    ['p nosuch_function x=%0', 404, 'SURFHIVE_ERR_FUNCTION_NOT_FOUND'],
    ['p wake_up_new_task x=%0->nosuch', 404, 'SURFHIVE_ERR_MEMBER_NOT_FOUND'],
    ['p wake_up_new_task x=!(struct nosuch *)%0->a', 404, 'SURFHIVE_ERR_STRUCT_NOT_FOUND'],
    ['p wake_up_new_task x=%0;reboot', 400, 'SURFHIVE_ERR_INVALID_FIELD'],
    ['p wake_up_new_task$(id) x=%0', 400, 'SURFHIVE_ERR_INVALID_FIELD'],
    ["P /bin/sh';id;':main", 400, 'SURFHIVE_ERR_INVALID_FIELD'],
  ];
  for (const [expr, status, code] of cases) {
    const res = await post([expr]);
    tt.equal(res.statusCode, status, expr);
    tt.equal(res.json().code, code, res.json().message);
    tt.notMatch(res.json().message, /reboot|\(id\)|;id;/, 'raw input is not echoed');
  }
  const unknown = await app.inject({
    method: 'POST',
    url: '/api/v1/kernels/x86_64/9.9.9/surftrace',
    payload: { expressions: ['p x'] },
  });
  tt.equal(unknown.statusCode, 404);
});

t.test('GET returns a shell script, errors included', async (tt) => {
  const app = await server(tt);
  const ok = await app.inject({
    url: `/api/v1/kernels/x86_64/${VER}/surftrace?e=${encodeURIComponent('p do_filp_open dfd=%0')}&duration=5`,
  });
  tt.equal(ok.statusCode, 200, 'status 200');
  tt.match(ok.headers['content-type'], /text\/x-shellscript/);
  tt.match(ok.body, /DURATION=5/);
  tt.match(ok.body, / dfd=%di:u32'/);
  const bad = await app.inject({ url: `/api/v1/kernels/x86_64/${VER}/surftrace?e=p+nosuch_fn` });
  tt.equal(bad.statusCode, 404);
  tt.match(bad.headers['content-type'], /text\/x-shellscript/);
  tt.match(bad.body, /exit 1/);
});

t.test('kernel=auto answers a bootstrap that asks again with uname', async (tt) => {
  const app = await server(tt);
  const res = await app.inject({
    url: `/api/v1/surftrace?kernel=auto&e=${encodeURIComponent("p wake_up_new_task comm=%0->comm f:comm=='x'")}`,
    headers: { host: 'surfhive:7655' },
  });
  tt.equal(res.statusCode, 200, 'status 200');
  tt.match(res.body, /uname -r/);
  tt.match(
    res.body,
    /'http:\/\/surfhive:7655\/api\/v1\/kernels\/'"\$arch\/\$ver"'\/surftrace\?e=p%20wake_up_new_task%20comm%3D%250-%3Ecomm%20f%3Acomm%3D%3D%27x%27&stack=false&duration=0'/,
  );
  const badHost = await app.inject({
    url: '/api/v1/surftrace?kernel=auto&e=p+x',
    headers: { host: "a';id;'" },
  });
  tt.equal(badHost.statusCode, 400);
  const direct = await app.inject({ url: `/api/v1/surftrace?kernel=x86_64/${VER}&e=p+wake_up_new_task` });
  tt.equal(direct.statusCode, 200, 'status 200');
  tt.match(direct.body, /'p:surfhive_[0-9a-f]{8}\/p0 '"\$sym"''/);
});
