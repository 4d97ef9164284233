import t from 'tap';
import { goldenApp, lbc, lbcOne } from '../helpers/app.js';
import { FAKE_BTF, GOLDEN_VER, loadGolden } from '../helpers/golden-hive.js';

const g = loadGolden();
const ver = GOLDEN_VER;
const arch = 'x86_64';
const fn = (name: string) => {
  const f = g.funcs.find((x) => x.func === name)!;
  return { func: f.func, args: f.args, ret: f.ret, line: f.line, file: f.file };
};
const st = (name: string) => g.structs.find((s) => s.name === name)!;

t.test('POST /lbc answers every lookup command exactly', async (t) => {
  const h = await goldenApp();
  t.teardown(h.close);
  const { app } = h;

  t.test('envelope', async (t) => {
    const r = await lbc(app, [{ cmd: 'type', ver, arch, type: 'u32' }]);
    t.equal(r.status, 200);
    t.match(r.headers['content-type'], /^application\/json/);
    t.equal(
      r.raw,
      '{"result":"success","status":true,"code":200,"res":[{"log":"ok.","res":{"name":"u32","type":"unsigned int","size":4}}]}',
    );
  });

  t.test('struct exact, for every golden struct', async (t) => {
    for (const s of g.structs) {
      t.same(await lbcOne(app, { cmd: 'struct', ver, arch, struct: s.name }), { log: 'ok.', res: s }, s.name);
    }
    const r = await lbc(app, [{ cmd: 'struct', ver, arch, struct: 'struct callback_head' }]);
    t.equal(
      r.raw,
      '{"result":"success","status":true,"code":200,"res":[{"log":"ok.","res":{"name":"struct callback_head","members":2,"size":16,"cell":[' +
        '{"type":"struct callback_head *","name":"next","offset":0,"size":8,"bits":""},' +
        '{"type":"void (*)(struct callback_head *)","name":"func","offset":8,"size":8,"bits":""}]}}]}',
      'byte-exact answer, cell key order type,name,offset,size,bits',
    );
    t.same(await lbcOne(app, { cmd: 'struct', ver, arch, struct: 'struct nosuch' }), {
      log: 'ok.',
      res: null,
    });
    // same answer served again from the cache
    t.same(await lbcOne(app, { cmd: 'struct', ver, arch, struct: 'struct task_struct' }), {
      log: 'ok.',
      res: st('struct task_struct'),
    });
  });

  t.test('struct % search: LIKE, at most 10, no cell', async (t) => {
    const summary = (n: string) => ({ name: n, members: st(n).members, size: st(n).size });
    t.same(await lbcOne(app, { cmd: 'struct', ver, arch, struct: 'atomic%' }), {
      log: 'ok.',
      res: ['atomic64_t', 'atomic_long_t', 'atomic_t'].map(summary),
    });
    const all = await lbcOne(app, { cmd: 'struct', ver, arch, struct: 'struct %' });
    const expected = g.structs
      .filter((s) => s.name.startsWith('struct '))
      .slice(0, 10)
      .map((s) => summary(s.name));
    t.same(all, { log: 'ok.', res: expected });
    t.same(await lbcOne(app, { cmd: 'struct', ver, arch, struct: 'zzz%' }), { log: 'ok.', res: [] });
  });

  t.test('func exact, %, ret, arg', async (t) => {
    t.same(await lbcOne(app, { cmd: 'func', ver, arch, func: 'do_filp_open' }), {
      log: 'ok.',
      res: [fn('do_filp_open')],
    });
    t.same(await lbcOne(app, { cmd: 'func', ver, arch, func: 'no_such_fn' }), { log: 'ok.', res: [] });
    t.same(await lbcOne(app, { cmd: 'func', ver, arch, func: 'no_args' }), {
      log: 'ok.',
      res: [{ func: 'no_args', args: ['void'], ret: 'void', line: fn('no_args').line, file: 'kfixture.c' }],
    });
    t.same(await lbcOne(app, { cmd: 'func', ver, arch, func: 's%' }), {
      log: 'ok.',
      res: [fn('static_helper'), fn('sum_array')],
    });
    t.same(await lbcOne(app, { cmd: 'func', ver, arch, func: 'static_helper' }), {
      log: 'ok.',
      res: [
        {
          func: 'static_helper',
          args: ['u32', 'u64 *', 'const char *', '...'],
          ret: 'static int',
          line: fn('static_helper').line,
          file: 'kfixture.c',
        },
      ],
    });
    // ret matches TYPE and `static TYPE`
    t.same(await lbcOne(app, { cmd: 'func', ver, arch, func: '%', ret: 'int' }), {
      log: 'ok.',
      res: [fn('__netif_receive_skb_core'), fn('register_hook'), fn('static_helper')],
    });
    t.same(await lbcOne(app, { cmd: 'func', ver, arch, ret: 'void' }), {
      log: 'ok.',
      res: [fn('no_args'), fn('wake_up_new_task')],
    });
    t.same(await lbcOne(app, { cmd: 'func', ver, arch, func: 'w%', ret: 'void' }), {
      log: 'ok.',
      res: [fn('wake_up_new_task')],
    });
    t.same(await lbcOne(app, { cmd: 'func', ver, arch, func: 'wake_up_new_task', ret: 'void' }), {
      log: 'query value error.',
    });
    t.same(await lbcOne(app, { cmd: 'func', ver, arch, func: '%', arg: 'struct task_struct *' }), {
      log: 'ok.',
      res: [fn('task_pid_type'), fn('wake_up_new_task')],
    });
    t.same(await lbcOne(app, { cmd: 'func', ver, arch, arg: 'int (*)(struct task_struct *, int)' }), {
      log: 'ok.',
      res: [fn('register_hook')],
    });
    t.same(await lbcOne(app, { cmd: 'func', ver, arch, func: '%', arg: 'struct nosuch *' }), {
      log: 'ok.',
      res: [],
    });
  });

  t.test('type, including `_` for pointers', async (t) => {
    // clients never send `*` (they send `_`); the old key check refuses it, so do we
    for (const ty of g.types.filter((x) => !x.name.includes('*'))) {
      t.same(await lbcOne(app, { cmd: 'type', ver, arch, type: ty.name }), { log: 'ok.', res: ty }, ty.name);
    }
    t.same(await lbcOne(app, { cmd: 'type', ver, arch, type: '_' }), {
      log: 'ok.',
      res: { name: 'void *', type: 'void *', size: 8 },
    });
    t.same(await lbcOne(app, { cmd: 'type', ver, arch, type: 'nosuch_t' }), { log: 'ok.', res: null });
  });

  t.test('btf: base64 of the file', async (t) => {
    t.same(await lbcOne(app, { cmd: 'btf', ver, arch }), {
      log: 'ok.',
      ver,
      arch,
      btf: FAKE_BTF.toString('base64'),
    });
    const back = Buffer.from(
      ((await lbcOne(app, { cmd: 'btf', ver, arch })) as { btf: string }).btf,
      'base64',
    );
    t.ok(back.equals(FAKE_BTF));
  });

  t.test('arch omitted defaults to x86_64; arm64/amd64 spellings accepted', async (t) => {
    t.same(await lbcOne(app, { cmd: 'type', ver, type: 'u8' }), {
      log: 'ok.',
      res: { name: 'u8', type: 'unsigned char', size: 1 },
    });
    t.same(await lbcOne(app, { cmd: 'type', ver, arch: 'amd64', type: 'u8' }), {
      log: 'ok.',
      res: { name: 'u8', type: 'unsigned char', size: 1 },
    });
    t.same(await lbcOne(app, { cmd: 'type', ver, arch: 'aarch64', type: 'u8' }), {
      log: 'version not support.',
    });
  });

  t.test('several request objects: one result each, in order', async (t) => {
    const r = await lbc(app, [
      { cmd: 'type', ver, arch, type: 'u16' },
      { cmd: 'nope', ver },
      { cmd: 'func', ver, arch, func: 'no_args' },
    ]);
    t.same(r.json, {
      result: 'success',
      status: true,
      code: 200,
      res: [
        { log: 'ok.', res: { name: 'u16', type: 'unsigned short', size: 2 } },
        { log: 'unknown cmd.' },
        { log: 'ok.', res: [fn('no_args')] },
      ],
    });
    t.same((await lbc(app, [])).json, { result: 'success', status: true, code: 200, res: [] });
  });

  t.test('every legacy command has a handler', async (t) => {
    for (const cmd of ['func', 'struct', 'type', 'btf', 'c', 'obj', 'ko', 'elf_so']) {
      t.ok(Object.hasOwn(app.surfhive.lbcCommands, cmd), cmd);
    }
  });

  t.test('old clients send no content type', async (t) => {
    const r = await app.inject({
      method: 'POST',
      url: '/lbc',
      payload: JSON.stringify([{ cmd: 'type', ver, arch, type: 'int' }]),
      headers: { 'content-type': undefined as unknown as string, connection: 'close' },
    });
    t.equal(r.statusCode, 200);
    t.same(r.json().res, [{ log: 'ok.', res: { name: 'int', type: 'int', size: 4 } }]);
  });
});

t.test('POST /lbc: bad input gets a clear log, never internals', async (t) => {
  const h = await goldenApp();
  t.teardown(h.close);
  const { app } = h;
  const item = (o: Record<string, unknown>) => lbcOne(app, { ver, arch, ...o });
  const failed = (log: string) => ({ result: 'failed', status: false, code: 500, res: [{ log }] });
  const notArray = failed('request body must be a JSON array of request objects.');
  const notJson = failed('request body is not valid JSON; send a JSON array of request objects.');

  const bodies: [string, string, unknown][] = [
    ['object body', '{"cmd":"func"}', notArray],
    ['string body', '"hello"', notArray],
    ['number body', '42', notArray],
    ['null body', 'null', notArray],
    ['empty body', '', notArray],
    ['not JSON', "[{'cmd': 'func'}]", notJson],
    ['truncated JSON', '[{"cmd":"func"', notJson],
    ['SQL in a non-JSON body', "'; DROP TABLE funs; --", notJson],
    [
      'too many objects',
      JSON.stringify(Array(17).fill({ cmd: 'type', ver, type: 'int' })),
      failed('too many request objects (at most 16).'),
    ],
  ];
  for (const [what, body, expected] of bodies) {
    const r = await lbc(app, body);
    t.equal(r.status, 200, what);
    t.same(r.json, expected, what);
    if (body.length > 3) t.notMatch(r.raw, body, `${what}: body not echoed`);
  }

  const items: [string, Record<string, unknown>, string][] = [
    ['missing cmd', { func: 'x' }, 'unknown request.'],
    ['unknown cmd', { cmd: 'rm' }, 'unknown cmd.'],
    ['cmd not a string', { cmd: ['func'] }, 'unknown cmd.'],
    ['cmd __proto__', { cmd: '__proto__' }, 'unknown cmd.'],
    ['cmd toString', { cmd: 'toString' }, 'unknown cmd.'],
    ['missing ver', { cmd: 'func', ver: undefined, func: 'x' }, 'no kernel version info.'],
    ['ver with ../', { cmd: 'func', ver: '../../etc/passwd', func: 'x' }, 'bad ver key.'],
    ['ver with ..', { cmd: 'func', ver: '6.1..0', func: 'x' }, 'bad ver key.'],
    ['ver with NUL', { cmd: 'func', ver: '6.1.0\u0000', func: 'x' }, 'bad ver key.'],
    ['ver with slash', { cmd: 'func', ver: '6.1/0', func: 'x' }, 'bad ver key.'],
    ['ver a number', { cmd: 'func', ver: 6.1, func: 'x' }, 'bad ver key.'],
    ['ver too long', { cmd: 'func', ver: `6${'1'.repeat(200)}`, func: 'x' }, 'bad ver key.'],
    ['unknown ver', { cmd: 'func', ver: '9.9.9-nosuch', func: 'x' }, 'version not support.'],
    ['bad arch', { cmd: 'func', arch: 'sparc', func: 'x' }, 'bad arch key.'],
    ['arch object', { cmd: 'func', arch: { x: 1 }, func: 'x' }, 'bad arch key.'],
    ['missing func', { cmd: 'func' }, 'bad func key.'],
    ['empty func', { cmd: 'func', func: '' }, 'bad func key.'],
    ['SQL in func', { cmd: 'func', func: "x' OR '1'='1" }, 'bad func key.'],
    ['func with ;', { cmd: 'func', func: 'a;DROP TABLE funs' }, 'bad func key.'],
    ['func too long', { cmd: 'func', func: 'a'.repeat(129) }, 'bad func key.'],
    ['too many %', { cmd: 'func', func: '%a%b%c%d%e%f%g%h%' }, 'bad func key.'],
    ['func a number', { cmd: 'func', func: 12 }, 'bad func key.'],
    ['ret with ;', { cmd: 'func', func: '%', ret: 'int; DROP TABLE funs' }, 'bad ret key.'],
    ['ret with quote', { cmd: 'func', func: '%', ret: "int'" }, 'bad ret key.'],
    ['arg with NUL', { cmd: 'func', func: '%', arg: 'int\u0000' }, 'bad arg key.'],
    ['missing struct', { cmd: 'struct' }, 'bad struct key.'],
    ['struct with *', { cmd: 'struct', struct: 'struct file *' }, 'bad struct key.'],
    ['struct with ../', { cmd: 'struct', struct: '../x' }, 'bad struct key.'],
    ['type with *', { cmd: 'type', type: 'char *' }, 'bad type key.'],
    ['type an array', { cmd: 'type', type: ['int'] }, 'bad type key.'],
    [
      '__proto__ key',
      JSON.parse('{"cmd":"func","func":"x","__proto__":{"cmd":"struct"}}'),
      'bad request key.',
    ],
    ['constructor key', { cmd: 'func', func: 'x', constructor: 1 }, 'bad request key.'],
  ];
  for (const [what, fields, log] of items) {
    t.same(await item(fields), { log }, what);
  }
  t.same(
    await lbcOne(app, { cmd: 'func', func: 'x' }),
    { log: 'no kernel version info.' },
    'no ver key at all',
  );
  t.same(
    (await lbc(app, ['func', 3, null, [1]])).json.res,
    Array(4).fill({ log: 'unknown request.' }),
    'non-objects',
  );

  t.test('a huge body is refused without reading it all', async (t) => {
    const big = `[{"cmd":"func","ver":"${ver}","func":"${'a'.repeat(2 * 1024 * 1024)}"}]`;
    const r = await lbc(app, big);
    t.equal(r.status, 413);
    t.match(r.json, { result: 'failed', status: false, res: [{ log: /^request body is too large/ }] });
  });

  t.test('bad content type header still gets the legacy envelope', async (t) => {
    const r = await lbc(app, '[]', { 'content-type': '=====' });
    t.same(r.json, failed('unsupported or malformed request body'));
  });

  t.test('the database is untouched by injection attempts', async (t) => {
    t.same(await lbcOne(app, { cmd: 'func', ver, arch, func: 'no_args' }), {
      log: 'ok.',
      res: [fn('no_args')],
    });
  });
});

t.test('lbc commands are pluggable', async (t) => {
  const h = await goldenApp({
    lbcCommands: {
      c: (req) => ({ log: 'ok.', so: Buffer.from(`so for ${req.ver}`).toString('base64'), clog: '' }),
      boom: () => {
        throw new Error('secret /etc/host/path detail');
      },
    },
  });
  t.teardown(h.close);
  t.same(await lbcOne(h.app, { cmd: 'c', ver, arch, code: '' }), {
    log: 'ok.',
    so: Buffer.from(`so for ${ver}`).toString('base64'),
    clog: '',
  });
  t.same(await lbcOne(h.app, { cmd: 'boom', ver, arch }), { log: 'internal error.' });
  h.app.surfhive.lbcCommands.obj = () => ({ log: 'ok.', obj: 'AA==', clog: '' });
  t.same(await lbcOne(h.app, { cmd: 'obj', ver, arch, code: '' }), { log: 'ok.', obj: 'AA==', clog: '' });
});
