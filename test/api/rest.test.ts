import { existsSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../src/util/package-root.js';
import { goldenApp } from '../helpers/app.js';
import { FAKE_BTF, FAKE_HEAD, GOLDEN_META, GOLDEN_VER, loadGolden } from '../helpers/golden-hive.js';

const g = loadGolden();
const ver = GOLDEN_VER;
const base = `/api/v1/kernels/x86_64/${ver}`;
const fn = (name: string) => {
  const f = g.funcs.find((x) => x.func === name)!;
  return { func: f.func, args: f.args, ret: f.ret, line: f.line, file: f.file };
};
const st = (name: string) => g.structs.find((s) => s.name === name)!;
const summary = (n: string) => ({ name: n, members: st(n).members, size: st(n).size });
const err = (statusCode: number, kind: string, error: string, message: string) => ({
  statusCode,
  code: `SURFHIVE_ERR_${kind}`,
  error,
  message,
});

t.test('REST routes answer exactly', async (t) => {
  const h = await goldenApp();
  t.teardown(h.close);
  const get = async (url: string, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'GET', url, headers });
  const json = async (url: string) => {
    const r = await get(url);
    return { status: r.statusCode, body: r.json() as unknown };
  };

  t.test('kernels: list, filters, paging', async (t) => {
    const item = {
      arch: 'x86_64',
      ver,
      release: 'debian',
      releases: ['debian'],
      artifacts: ['btf', 'head', 'db'],
    };
    t.same(await json('/api/v1/kernels'), {
      status: 200,
      body: { total: 1, offset: 0, limit: 50, items: [item] },
    });
    t.same((await json('/api/v1/kernels?arch=x86_64&release=debian&ver_prefix=6.1')).body, {
      total: 1,
      offset: 0,
      limit: 50,
      items: [item],
    });
    t.same((await json('/api/v1/kernels?arch=aarch64')).body, { total: 0, offset: 0, limit: 50, items: [] });
    t.same((await json('/api/v1/kernels?ver_prefix=5.')).body, { total: 0, offset: 0, limit: 50, items: [] });
    t.same((await json('/api/v1/kernels?limit=1&offset=1')).body, {
      total: 1,
      offset: 1,
      limit: 1,
      items: [],
    });
    t.same(await json('/api/v1/conflicts'), { status: 200, body: { items: [] } });
  });

  t.test('one kernel: artifacts and meta', async (t) => {
    const r = await json(base);
    t.equal(r.status, 200);
    const body = r.body as Record<string, unknown>;
    const modified = (body.artifacts as { modified: string }[]).map((a) => a.modified);
    for (const m of modified) t.match(m, /^\d{4}-\d\d-\d\dT/);
    t.same(body, {
      arch: 'x86_64',
      ver,
      release: 'debian',
      releases: ['debian'],
      artifacts: [
        { kind: 'btf', size: FAKE_BTF.length, modified: modified[0], url: `${base}/btf` },
        { kind: 'head', size: Buffer.byteLength(FAKE_HEAD), modified: modified[1], url: `${base}/vmlinux.h` },
        {
          kind: 'db',
          size: (body.artifacts as { size: number }[])[2]!.size,
          modified: modified[2],
          url: `${base}/db`,
        },
      ],
      legacyDbUrl: `/db/x86_64/debian/info-${ver}.db`,
      meta: GOLDEN_META,
    });
    t.same(await json('/api/v1/kernels/x86_64/9.9.9-nosuch'), {
      status: 404,
      body: err(404, 'KERNEL_NOT_FOUND', 'Not Found', 'no kernel 9.9.9-nosuch for x86_64'),
    });
  });

  t.test('structs: search, layout', async (t) => {
    t.same((await json(`${base}/structs?pattern=atomic%25`)).body, {
      offset: 0,
      limit: 50,
      more: false,
      items: ['atomic64_t', 'atomic_long_t', 'atomic_t'].map(summary),
    });
    t.same((await json(`${base}/structs?limit=2&offset=1`)).body, {
      offset: 1,
      limit: 2,
      more: true,
      items: ['atomic_long_t', 'atomic_t'].map(summary),
    });
    for (const s of g.structs) {
      t.same(await json(`${base}/structs/${encodeURIComponent(s.name)}`), { status: 200, body: s }, s.name);
    }
    t.same(await json(`${base}/structs/struct%20nosuch`), {
      status: 404,
      body: err(404, 'STRUCT_NOT_FOUND', 'Not Found', `no struct nosuch in kernel x86_64/${ver}`),
    });
    t.same(await json(`${base}/structs/task_struc`), {
      status: 404,
      body: err(
        404,
        'STRUCT_NOT_FOUND',
        'Not Found',
        `no struct or union task_struc in kernel x86_64/${ver}`,
      ),
    });
    t.same(await json(`${base}/structs/task_struc/members/pid`), {
      status: 404,
      body: err(
        404,
        'STRUCT_NOT_FOUND',
        'Not Found',
        `no struct or union task_struc in kernel x86_64/${ver}`,
      ),
    });
    const byName = (n: string) => g.structs.find((s) => s.name === n);
    t.same(
      (await json(`${base}/structs/task_struct`)).body,
      byName('struct task_struct'),
      'a bare tag finds the struct',
    );
    t.same(
      (await json(`${base}/structs/bpf_attr_like`)).body,
      byName('union bpf_attr_like'),
      '... or the union',
    );
    t.same((await json(`${base}/structs/atomic_t`)).body, byName('atomic_t'), 'an exact typedef name wins');
    t.equal((await json(`${base}/structs/nosuch`)).status, 404);
  });

  t.test('member paths', async (t) => {
    const m = (name: string, path: string) =>
      json(`${base}/structs/${encodeURIComponent(name)}/members/${encodeURIComponent(path)}`);
    const loc = (path: string, member: string, type: string, offset: number, size: number, bits = '') => ({
      status: 200,
      body: { struct: 'struct task_struct', path, member, type, offset, size, bits },
    });
    t.same(
      await m('struct task_struct', 'se.run_node.rb_left'),
      loc('se.run_node.rb_left', 'se.run_node.rb_left', 'struct rb_node *', 56, 8),
    );
    t.same(await m('struct task_struct', 'comm[3]'), loc('comm[3]', 'comm[16]', 'char', 171, 1));
    t.same(await m('task_struct', 'comm[3]'), loc('comm[3]', 'comm[16]', 'char', 171, 1), 'bare tag');
    t.same(await m('struct task_struct', 'comm'), loc('comm', 'comm[16]', 'char [16]', 168, 16));
    t.same(
      await m('struct task_struct', 'stats[1][2]'),
      loc('stats[1][2]', 'stats[2][3]', 'u64', 184 + 40, 8),
    );
    t.same(
      await m('struct task_struct', 'stats[1]'),
      loc('stats[1]', 'stats[2][3]', 'u64 [3]', 184 + 24, 24),
    );
    t.same(
      await m('struct task_struct', 'sched_migrated'),
      loc('sched_migrated', 'sched_migrated', 'unsigned int', 124, 4, '2:1'),
    );
    t.same(
      await m('struct task_struct', 'rcu.func'),
      loc('rcu.func', 'rcu.func', 'void (*)(struct callback_head *)', 240, 8),
    );
    t.same(await m('struct mm_struct', 'mm_users.counter'), {
      status: 200,
      body: {
        struct: 'struct mm_struct',
        path: 'mm_users.counter',
        member: 'counter',
        type: 'int',
        offset: 8,
        size: 4,
        bits: '',
      },
    });
    t.same(await m('struct mm_struct', 'cpu_bitmap[5]'), {
      status: 200,
      body: {
        struct: 'struct mm_struct',
        path: 'cpu_bitmap[5]',
        member: 'cpu_bitmap[]',
        type: 'unsigned long',
        offset: 64,
        size: 8,
        bits: '',
      },
    });
    t.same(await m('struct task_struct', 'comm[16]'), {
      status: 400,
      body: err(400, 'INVALID_FIELD', 'Bad Request', 'array index out of range'),
    });
    t.same(await m('struct task_struct', 'se'), {
      status: 404,
      body: err(
        404,
        'MEMBER_NOT_FOUND',
        'Not Found',
        'se is a nested struct in struct task_struct; ask for one of its members',
      ),
    });
    t.same(await m('struct task_struct', 'nosuch'), {
      status: 404,
      body: err(404, 'MEMBER_NOT_FOUND', 'Not Found', 'struct task_struct has no member nosuch'),
    });
    t.same(await m('struct task_struct', 'mm.mmap_base'), {
      status: 400,
      body: err(400, 'INVALID_FIELD', 'Bad Request', 'the path goes through a pointer; a layout ends there'),
    });
    t.equal((await m('struct task_struct', 'comm[3')).status, 400);
  });

  t.test('functions: search and signature', async (t) => {
    t.same((await json(`${base}/functions?pattern=s%25`)).body, {
      offset: 0,
      limit: 50,
      more: false,
      items: [fn('static_helper'), fn('sum_array')],
    });
    t.same((await json(`${base}/functions?ret=int`)).body, {
      offset: 0,
      limit: 50,
      more: false,
      items: [fn('__netif_receive_skb_core'), fn('register_hook'), fn('static_helper')],
    });
    t.same(
      (await json(`${base}/functions?arg=${encodeURIComponent('struct task_struct *')}&ret=void`)).body,
      {
        offset: 0,
        limit: 50,
        more: false,
        items: [fn('wake_up_new_task')],
      },
    );
    t.same((await json(`${base}/functions?limit=1`)).body, {
      offset: 0,
      limit: 1,
      more: true,
      items: [fn('__netif_receive_skb_core')],
    });
    t.same(await json(`${base}/functions/do_filp_open`), {
      status: 200,
      body: { name: 'do_filp_open', items: [fn('do_filp_open')] },
    });
    t.same(await json(`${base}/functions/nosuch`), {
      status: 404,
      body: err(404, 'FUNCTION_NOT_FOUND', 'Not Found', `no function nosuch in kernel x86_64/${ver}`),
    });
    // a shell glob works as well as SQL LIKE; `_` stays a wildcard of one character
    t.same((await json(`${base}/functions?pattern=wake_up_*`)).body, {
      offset: 0,
      limit: 50,
      more: false,
      items: [fn('wake_up_new_task')],
    });
    t.same((await json(`${base}/functions?pattern=${encodeURIComponent('?um_arr*')}`)).body, {
      offset: 0,
      limit: 50,
      more: false,
      items: [fn('sum_array')],
    });
    const bad = await json(`${base}/functions?pattern=${encodeURIComponent('tcp_v4_[a-z]')}`);
    t.equal(bad.status, 400);
    t.same(
      bad.body,
      err(
        400,
        'INVALID_FIELD',
        'Bad Request',
        'querystring.pattern holds characters or a form this field does not accept',
      ),
      'a coded message, no regular expression',
    );
  });

  t.test('types', async (t) => {
    t.same(await json(`${base}/types/u64`), {
      status: 200,
      body: { name: 'u64', type: 'unsigned long long', size: 8 },
    });
    t.same(await json(`${base}/types/_`), { status: 200, body: { name: 'void *', type: 'void *', size: 8 } });
    t.same(await json(`${base}/types/unsigned%20long`), {
      status: 200,
      body: { name: 'unsigned long', type: 'unsigned long', size: 8 },
    });
    t.same(await json(`${base}/types/nosuch_t`), {
      status: 404,
      body: err(404, 'TYPE_NOT_FOUND', 'Not Found', `no type nosuch_t in kernel x86_64/${ver}`),
    });
    t.same((await json(`${base}/types?pattern=u%25&limit=3`)).body, {
      offset: 0,
      limit: 3,
      more: true,
      items: ['u16', 'u32', 'u64'].map((n) => g.types.find((x) => x.name === n)),
    });
  });

  t.test('downloads: content, range, ETag, Last-Modified', async (t) => {
    const btf = await get(`${base}/btf`);
    t.equal(btf.statusCode, 200);
    t.ok(btf.rawPayload.equals(FAKE_BTF));
    t.equal(btf.headers['content-type'], 'application/octet-stream');
    t.equal(btf.headers['content-disposition'], `attachment; filename="vmlinux-${ver}"`);
    const head = await get(`${base}/vmlinux.h`);
    t.equal(head.body, FAKE_HEAD);
    const db = await get(`${base}/db`);
    t.equal(db.rawPayload.subarray(0, 15).toString(), 'SQLite format 3');
    const legacy = await get(`/db/x86_64/debian/info-${ver}.db`);
    t.ok(legacy.rawPayload.equals(db.rawPayload), 'legacy path serves the same file');
    t.ok(legacy.headers.etag);
    t.ok(legacy.headers['last-modified']);
    t.equal(legacy.headers['accept-ranges'], 'bytes');
    const range = await get(`/db/x86_64/debian/info-${ver}.db`, { range: 'bytes=0-5' });
    t.equal(range.statusCode, 206);
    t.equal(range.body, 'SQLite');
    t.match(range.headers['content-range'], /^bytes 0-5\/\d+$/);
    const cond = await get(`/db/x86_64/debian/info-${ver}.db`, {
      'if-none-match': String(legacy.headers.etag),
    });
    t.equal(cond.statusCode, 304);
    const bad = await get(`/db/x86_64/debian/info-${ver}.db`, { range: 'bytes=999999999-' });
    t.equal(bad.statusCode, 416);
    t.equal(bad.json().code, 'SURFHIVE_ERR_BAD_REQUEST');
    t.same(
      (await get('/db/x86_64/debian/info-9.9.9.db')).json(),
      err(404, 'ARTIFACT_NOT_FOUND', 'Not Found', 'no such file in the hive'),
    );
    t.same((await get('/db/x86_64/ubuntu/info-6.1.0.db')).statusCode, 404);
  });

  t.test('health, readiness, metrics, OpenAPI, docs', async (t) => {
    t.same(await json('/healthz'), { status: 200, body: { status: 'ok' } });
    t.same(await json('/readyz'), { status: 200, body: { status: 'ready', kernels: 1, conflicts: 0 } });
    await h.app.inject({
      method: 'POST',
      url: '/lbc',
      payload: JSON.stringify([{ cmd: 'type', ver, type: 'int' }]),
    });
    await h.app.inject({
      method: 'POST',
      url: '/lbc',
      payload: JSON.stringify([{ cmd: 'type', ver, type: 'int' }]),
    });
    const metrics = (await get('/metrics')).body;
    t.match(metrics, /surfhive_lbc_requests_total\{cmd="type",outcome="ok"\} 2/);
    t.match(metrics, /surfhive_lbc_request_duration_seconds_bucket\{le="0.005",cmd="type"\} \d+/);
    t.match(metrics, /surfhive_db_cache_total\{result="hit"\} \d+/);
    t.match(metrics, /surfhive_db_cache_total\{result="miss"\} 1/);
    t.match(metrics, /surfhive_answer_cache_total\{result="hit"\} \d+/);
    t.match(
      metrics,
      /surfhive_http_requests_total\{route="\/api\/v1\/kernels\/:arch\/:ver",method="GET",status="200"\} \d+/,
    );
    const doc = (await json('/api/v1/openapi.json')).body as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    t.equal(doc.openapi, '3.0.3');
    for (const p of [
      '/api/v1/kernels',
      '/api/v1/conflicts',
      '/api/v1/kernels/{arch}/{ver}',
      '/api/v1/kernels/{arch}/{ver}/structs',
      '/api/v1/kernels/{arch}/{ver}/structs/{name}',
      '/api/v1/kernels/{arch}/{ver}/structs/{name}/members/{path}',
      '/api/v1/kernels/{arch}/{ver}/functions',
      '/api/v1/kernels/{arch}/{ver}/functions/{name}',
      '/api/v1/kernels/{arch}/{ver}/types',
      '/api/v1/kernels/{arch}/{ver}/types/{name}',
      '/api/v1/kernels/{arch}/{ver}/btf',
      '/api/v1/kernels/{arch}/{ver}/vmlinux.h',
      '/api/v1/kernels/{arch}/{ver}/db',
      '/db/{arch}/{release}/{file}',
    ]) {
      t.ok(doc.paths[p]?.get, `documented: ${p}`);
    }
    // the page is the web UI's (test/web covers it in Chromium); without a built UI, a note
    const page = await get('/api/v1/docs/');
    if (existsSync(path.join(packageRoot(), 'dist', 'web', 'index.html'))) {
      t.equal(page.statusCode, 200);
      t.match(page.headers['content-security-policy'], /script-src 'self'/);
      t.notMatch(page.body, /https?:\/\/[a-z]/i, 'nothing from elsewhere');
    } else {
      t.equal(page.statusCode, 503);
      t.match(page.body, /\/api\/v1\/openapi\.json/);
    }
  });
});

t.test('REST: bad input gets a coded error, never internals', async (t) => {
  const h = await goldenApp();
  t.teardown(h.close);
  const cases: [string, number, string][] = [
    ['/api/v1/kernels/sparc/6.1.0', 400, 'INVALID_FIELD'],
    ['/api/v1/kernels/x86_64/..%2F..%2Fetc', 400, 'INVALID_FIELD'],
    ['/api/v1/kernels/x86_64/6.1.0%00', 400, 'INVALID_FIELD'],
    ['/api/v1/kernels/x86_64/6.1..0', 404, 'KERNEL_NOT_FOUND'],
    ['/api/v1/kernels?limit=0', 400, 'INVALID_FIELD'],
    ['/api/v1/kernels?limit=100000', 400, 'INVALID_FIELD'],
    ['/api/v1/kernels?offset=-1', 400, 'INVALID_FIELD'],
    ['/api/v1/kernels?arch=sparc', 400, 'INVALID_FIELD'],
    ['/api/v1/kernels?release=../x', 400, 'INVALID_FIELD'],
    ['/api/v1/kernels?unknown=1', 400, 'INVALID_FIELD'],
    ['/api/v1/kernels?__proto__=1', 400, 'INVALID_FIELD'],
    [
      `/api/v1/kernels/x86_64/${ver}/structs?pattern=${encodeURIComponent("x' OR 1=1 --")}`,
      400,
      'INVALID_FIELD',
    ],
    [`/api/v1/kernels/x86_64/${ver}/structs?pattern=${'a'.repeat(200)}`, 400, 'INVALID_FIELD'],
    [
      `/api/v1/kernels/x86_64/${ver}/structs/${encodeURIComponent('struct x; DROP TABLE structs')}`,
      400,
      'INVALID_FIELD',
    ],
    [`/api/v1/kernels/x86_64/${ver}/functions?ret=${encodeURIComponent("int'")}`, 400, 'INVALID_FIELD'],
    [`/api/v1/kernels/x86_64/${ver}/types/${encodeURIComponent('../../etc/passwd')}`, 400, 'INVALID_FIELD'],
    [`/api/v1/kernels/x86_64/${ver}/types/../../etc/passwd`, 404, 'NOT_FOUND'],
    [`/api/v1/kernels/x86_64/${ver}/types/${encodeURIComponent('a\u0000b')}`, 400, 'INVALID_FIELD'],
    ['/db/x86_64/debian/..%2F..%2Fetc%2Fpasswd', 400, 'INVALID_FIELD'],
    ['/db/x86_64/debian/info-6.1..0.db', 400, 'INVALID_FIELD'],
    ['/db/x86_64/Debian/info-6.1.0.db', 400, 'INVALID_FIELD'],
    ['/db/x86_64/debian/vmlinux-6.1.0', 400, 'INVALID_FIELD'],
    ['/no/such/route', 404, 'NOT_FOUND'],
  ];
  for (const [url, status, kind] of cases) {
    const r = await h.app.inject({ method: 'GET', url });
    t.equal(r.statusCode, status, url);
    const body = r.json() as Record<string, unknown>;
    t.equal(body.code, `SURFHIVE_ERR_${kind}`, url);
    t.same(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'], url);
    t.notMatch(r.body, h.hive, `${url}: no host path`);
    t.notMatch(r.body, /at .*\.(ts|js):\d+/, `${url}: no stack`);
  }
  const post = await h.app.inject({ method: 'POST', url: '/api/v1/kernels', payload: '{}' });
  t.equal(post.statusCode, 404);
});
