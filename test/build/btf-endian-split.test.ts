import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseBtf } from '../../src/formats/btf/parse.js';
import { extractBtfSection } from '../../src/formats/elf/section-data.js';
import { rowsFromBtf } from '../../src/indexer/rows/from-btf.js';
import { compileC, FIXTURE_C, paholeBtf, run, tempDir } from './helpers/btf-tools.js';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

t.test('big- and little-endian BPF objects (clang) give identical rows', async (t) => {
  const { dir, cleanup } = tempDir('endian');
  t.teardown(cleanup);
  const rows = [];
  for (const target of ['bpfel', 'bpfeb'] as const) {
    await run(
      'clang',
      ['-target', target, '-g', '-O2', '-c', join(FIXTURES, 'endian.c'), '-o', `${target}.o`],
      dir,
    );
    const raw = extractBtfSection(readFileSync(join(dir, `${target}.o`)));
    if (!raw) throw new Error(`${target}.o has no .BTF`);
    const btf = parseBtf(raw);
    t.equal(btf.endian, target === 'bpfel' ? 'little' : 'big', `${target} endianness from the magic`);
    rows.push(rowsFromBtf(btf, { module: 'vm' }));
  }
  t.same(rows[1], rows[0], 'same rows from both byte orders');

  const thing = rows[1]!.structs.find((s) => s.name === 'struct thing');
  t.same(
    thing?.members.map((m) => [m.type, m.name, m.offset, m.bytes, m.bits]),
    [
      ['struct list_head *', 'node.next', 0, 8, ''],
      ['struct list_head *', 'node.prev', 8, 8, ''],
      ['u64', 'raw', 16, 8, ''],
      ['unsigned int', 'lo', 16, 4, '0:12'],
      ['unsigned int', 'hi', 17, 4, '4:20'],
      ['enum state', 'st', 24, 4, ''],
      ['enum big64', 'b64', 32, 8, ''],
      ['char', 'name[8]', 40, 8, ''],
      ['printer_t', 'print', 48, 8, ''],
      ['struct thing *(*)(const struct thing *, int)', 'clone', 56, 8, ''],
      ['const volatile int', 'vc', 64, 4, ''],
    ],
    'struct thing rows from big-endian BTF',
  );
  t.same(
    rows[1]!.types.find((r) => r.name === 'printer_t'),
    {
      name: 'printer_t',
      alias: 'int (*)(const char *, ...)',
      bytes: 8,
    },
  );
  t.same(rows[1]!.funcs, [
    { func: 'use_thing', args: ['struct thing *', 'u64'], ret: 'int', line: 0, file: '', module: 'vm' },
  ]);
});

t.test('split BTF (pahole --btf_base) continues ids and strings after its base', async (t) => {
  const { dir, cleanup } = tempDir('split');
  t.teardown(cleanup);
  await compileC(dir, FIXTURE_C, 'kfixture.so');
  const baseRaw = await paholeBtf(dir, 'kfixture.so', 'base.btf');
  await compileC(dir, join(FIXTURES, 'module.c'), 'module.o', 'object');
  const splitRaw = await paholeBtf(dir, 'module.o', 'module.btf', ['--btf_base=base.btf']);

  const base = parseBtf(baseRaw);
  const mod = parseBtf(splitRaw, base);
  t.equal(mod.firstId, base.typeCount, 'split ids start after the base');
  t.equal(mod.base, base);

  // bpftool numbers the same types the same way.
  const dump = (await run('bpftool', ['-B', 'base.btf', 'btf', 'dump', 'file', 'module.btf'], dir)).stdout;
  const listed = [...dump.matchAll(/^\[(\d+)\] (\w+) '([^']*)'/gm)].map((m) => [Number(m[1]), m[2], m[3]]);
  t.ok(listed.length > 0);
  t.same(
    listed,
    mod.types.map((x) => [x.id, x.kind.toUpperCase(), x.name || '(anon)']),
    'ids, kinds and names agree with bpftool',
  );

  const rows = rowsFromBtf(mod, { module: 'mymod' });
  const thing = rows.structs.find((s) => s.name === 'struct mod_thing');
  t.same(
    thing?.members.map((m) => [m.type, m.name, m.offset, m.bytes, m.bits]),
    [
      ['struct list_head *', 'node.next', 0, 8, ''],
      ['struct list_head *', 'node.prev', 8, 8, ''],
      ['int', 'id', 16, 4, ''],
      ['unsigned long', 'flags', 20, 8, '0:3'],
      ['const char *', 'name', 24, 8, ''],
      ['int', 'where.only_here', 32, 4, ''],
    ],
    'module struct rows use base types',
  );
  t.notOk(
    rows.structs.some((s) => s.name === 'struct list_head'),
    'base structs are not repeated',
  );
  t.ok(
    rows.structs.some((s) => s.name === 'struct path'),
    'the module has its own struct path',
  );
  const vmNames = new Set(rowsFromBtf(base, { module: 'vm' }).structs.map((s) => s.name));
  const skipped = rowsFromBtf(mod, { module: 'mymod', skipStructNames: vmNames });
  t.notOk(
    skipped.structs.some((s) => s.name === 'struct path'),
    'skipStructNames leaves vmlinux names out',
  );
  t.ok(skipped.structs.some((s) => s.name === 'struct mod_thing'));
  t.same(
    rows.funcs.map((f) => [f.func, f.args, f.module]),
    [['mod_init', ['struct mod_thing *'], 'mymod']],
  );
});
