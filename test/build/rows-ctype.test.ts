import { join } from 'node:path';
import t from 'tap';
import { parseBtf } from '../../src/formats/btf/parse.js';
import { rowsFromBtf } from '../../src/indexer/rows/from-btf.js';
import { compileC, paholeBtf, tempDir } from './helpers/btf-tools.js';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

t.test('C spellings of member, typedef and argument types', async (t) => {
  const { dir, cleanup } = tempDir('ctypes');
  t.teardown(cleanup);
  await compileC(dir, join(FIXTURES, 'ctypes.c'), 'ctypes.so');
  const rows = rowsFromBtf(parseBtf(await paholeBtf(dir, 'ctypes.so', 'ctypes.btf')), { module: 'vm' });

  const shapes = rows.structs.find((s) => s.name === 'struct shapes');
  t.same(
    shapes?.members.map((m) => [m.type, m.name, m.offset, m.bytes, m.bits]),
    [
      ['void (*)(int)', 'handlers[4]', 0, 32, ''],
      ['int (*)[3]', 'matrix_ptr', 32, 8, ''],
      ['char * const', 'const_ptr', 40, 8, ''],
      ['const char * const *', 'names', 48, 8, ''],
      ['const volatile long', 'vcl', 56, 8, ''],
      ['enum {S_IDLE, S_BUSY}', 'state', 64, 4, ''],
      ['u32x4', 'words', 68, 16, ''],
      ['u32', 'grid[2]', 84, 8, ''],
      ['struct sk_buff *(*)(struct sock *, struct sk_buff *, int)', 'validate', 96, 8, ''],
      ['int', 'cn.a', 104, 4, ''],
      ['named_t', 'by_typedef', 108, 4, ''],
      ['int', 'flag', 112, 4, '4:1'],
      ['short', 'tail[]', 114, 0, ''],
    ],
    'struct shapes',
  );

  const types = new Map(rows.types.map((r) => [r.name, r]));
  const alias = (n: string) => [types.get(n)?.alias, types.get(n)?.bytes];
  t.same(alias('u32x4'), ['unsigned int [4]', 16], 'typedef of an array');
  t.same(alias('named_t'), ['struct named {', 4], 'typedef of a named struct opens it');
  t.same(alias('named_p'), ['struct named {', 8], 'ptype expands through the pointer');
  t.same(alias('cint'), ['const int', 4]);
  t.same(alias('anon_e'), ['enum {E_ONE, E_TWO}', 4]);
  t.same(alias('cmp_fn'), ['int (*)(const void *, const void *)', 8]);
  t.same(alias('handler_fn'), ['void (int)', 1], 'function typedef (GNU sizeof is 1)');
  t.same(alias('short'), ['short', 2], 'base type renamed the gdb way');
  t.notOk(types.has('short int'), 'no DWARF spelling left');

  t.same(rows.funcs.find((f) => f.func === 'take')?.args, [
    'char * restrict',
    'const char * restrict',
    '...',
  ]);
  t.notOk(
    rows.structs.some((s) => s.name === 'named_t'),
    'a typedef of a named struct gets no row of its own',
  );
});
