import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { funcsFromDwarf } from '../../src/formats/dwarf/funcs.js';
import type { FuncRow } from '../../src/kernel-db/rows.js';
import { KFIXTURE_C } from '../helpers/fixtures.js';
import { readGolden } from '../helpers/golden-hive.js';
import { TOOLS } from '../helpers/tools.js';
import { buildNative, rejectsKind, scratch, sh } from './helpers/native-tools.js';

const golden = readGolden();

t.before(buildNative);

/** kfixture.c built in `dir` exactly as test/fixtures/kernel-like/README.md says. */
async function buildFixture(dir: string): Promise<string> {
  copyFileSync(KFIXTURE_C, join(dir, 'kfixture.c'));
  await sh(
    'gcc',
    ['-g', '-O0', '-fno-eliminate-unused-debug-types', '-shared', '-fPIC', 'kfixture.c', '-o', 'kfixture.so'],
    dir,
  );
  return join(dir, 'kfixture.so');
}

const key = (r: FuncRow) => JSON.stringify([r.func, r.args, r.ret, r.line, r.file, r.module]);

t.test('every golden function row is produced identically', async (t) => {
  const dir = scratch(t, 'dwarf');
  const rows = await funcsFromDwarf(await buildFixture(dir), { module: 'vm', tools: TOOLS });
  const got = new Set(rows.map(key));
  t.ok(golden.funcs.length >= 8, 'golden has function rows');
  for (const g of golden.funcs) t.ok(got.has(key(g)), `golden row ${g.func}`);
  t.equal(rows.length, golden.funcs.length, 'no extra functions in this fixture');
  t.same(
    rows.map((r) => r.func),
    [...rows.map((r) => r.func)].sort(),
    'rows sorted by name',
  );
});

t.test('a relocatable object (.ko shape, optimised) gives the same rows', async (t) => {
  const dir = scratch(t, 'dwarf-rel');
  copyFileSync(KFIXTURE_C, join(dir, 'kfixture.c'));
  await sh('gcc', ['-g', '-O2', '-c', 'kfixture.c', '-o', 'kfixture.o'], dir);
  const rows = await funcsFromDwarf(join(dir, 'kfixture.o'), { module: 'kfix', tools: TOOLS });
  const want = golden.funcs.map((g) => key({ ...g, module: 'kfix' })).sort();
  t.same(rows.map(key).sort(), want);
});

t.test('header inlines are left out, out-of-line copies of inline functions kept', async (t) => {
  const dir = scratch(t, 'dwarf-inline');
  writeFileSync(
    join(dir, 'helpers.h'),
    'static inline __attribute__((noinline, used)) int from_header(int x) { return x * 3; }\n',
  );
  writeFileSync(
    join(dir, 'sub dir.c'),
    [
      '#include "helpers.h"',
      'static inline int twice(int x) { return x * 2; }',
      'int (*keep)(int) = twice; /* forces an out-of-line copy */',
      'int user(int v) { return twice(v) + from_header(v); }',
      'struct s { int a; };',
      'const char *const *odd(const struct s (*arr)[4], char *const p, volatile long long q,',
      '    void (*cb)(void), unsigned short (*tbl)[2][3]) { (void)arr; (void)p; (void)q; (void)cb; (void)tbl; return 0; }',
      '',
    ].join('\n'),
  );
  await sh('gcc', ['-g', '-O2', '-c', 'sub dir.c', '-o', 'x.o'], dir);
  const rows = await funcsFromDwarf(join(dir, 'x.o'), { module: 'x', tools: TOOLS });
  const byName = new Map(rows.map((r) => [r.func, r]));
  t.notOk(byName.has('from_header'), 'function declared in a .h is left out');
  t.match(byName.get('twice'), { args: ['int'], ret: 'static int', line: 2, file: 'sub dir.c' });
  t.match(byName.get('user'), { args: ['int'], ret: 'int', line: 4 });
  t.same(byName.get('odd')?.args, [
    'const struct s (*)[4]',
    'char * const',
    'volatile long long',
    'void (*)(void)',
    'unsigned short (*)[2][3]',
  ]);
  t.equal(byName.get('odd')?.ret, 'const char * const *');
});

t.test('odd file names survive the helper output escaping', async (t) => {
  const dir = scratch(t, 'dwarf-odd');
  const name = 'we\tird\\na\nme.c';
  writeFileSync(join(dir, name), 'int odd_one(void) { return 1; }\n');
  await sh('gcc', ['-g', '-c', name, '-o', 'odd.o'], dir);
  const rows = await funcsFromDwarf(join(dir, 'odd.o'), { module: 'odd', tools: TOOLS });
  t.same(rows, [{ func: 'odd_one', args: ['void'], ret: 'int', line: 1, file: name, module: 'odd' }]);
});

t.test('bad inputs give clear errors, never a crash', async (t) => {
  const dir = scratch(t, 'dwarf-bad');
  const so = await buildFixture(dir);
  const bytes = readFileSync(so);

  writeFileSync(join(dir, 'text'), 'just some text\n');
  await rejectsKind(
    t,
    funcsFromDwarf(join(dir, 'text'), { module: 'vm', tools: TOOLS }),
    ['BAD_ELF'],
    'not an ELF',
  );

  writeFileSync(join(dir, 'empty'), '');
  await rejectsKind(
    t,
    funcsFromDwarf(join(dir, 'empty'), { module: 'vm', tools: TOOLS }),
    ['BAD_ELF'],
    'empty file',
  );

  await sh('strip', ['--strip-debug', '-o', 'stripped.so', 'kfixture.so'], dir);
  await rejectsKind(
    t,
    funcsFromDwarf(join(dir, 'stripped.so'), { module: 'vm', tools: TOOLS }),
    ['BAD_INPUT_FILE'],
    'ELF without DWARF',
  );

  for (const len of [16, 64, 3000, Math.floor(bytes.length / 2), bytes.length - 1]) {
    writeFileSync(join(dir, 'cut.so'), bytes.subarray(0, len));
    await rejectsKind(
      t,
      funcsFromDwarf(join(dir, 'cut.so'), { module: 'vm', tools: TOOLS }),
      ['BAD_ELF'],
      `truncated to ${len}`,
    );
  }

  await rejectsKind(
    t,
    funcsFromDwarf(join(dir, 'missing'), { module: 'vm', tools: TOOLS }),
    ['BAD_INPUT_FILE'],
    'missing file',
  );
  await rejectsKind(
    t,
    funcsFromDwarf(so, { module: '../x', tools: TOOLS }),
    ['INVALID_FIELD'],
    'hostile module name',
  );
});

t.test('corrupted DWARF bytes: rows or BAD_ELF, never a crash', async (t) => {
  const dir = scratch(t, 'dwarf-fuzz');
  const so = await buildFixture(dir);
  const bytes = readFileSync(so);
  const { stdout } = await sh('readelf', ['-SW', so], dir);
  const sections = [
    ...stdout.matchAll(/\]\s+\.debug_\w+\s+\w+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)/g),
  ].map((m) => ({ off: Number.parseInt(m[1]!, 16), size: Number.parseInt(m[2]!, 16) }));
  t.ok(sections.length >= 4, 'found the debug sections');
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  let ok = 0;
  let rejected = 0;
  for (let i = 0; i < 40; i++) {
    const copy = Buffer.from(bytes);
    for (let k = 0; k < 1 + rand(12); k++) {
      const s = sections[rand(sections.length)]!;
      if (s.size > 0) copy[s.off + rand(s.size)] = rand(256);
    }
    writeFileSync(join(dir, 'fz.so'), copy);
    try {
      await funcsFromDwarf(join(dir, 'fz.so'), { module: 'vm', tools: TOOLS });
      ok++;
    } catch (err) {
      const kind = (err as { kind?: string }).kind;
      if (kind !== 'BAD_ELF') t.fail(`iteration ${i}: ${String(err)}`);
      rejected++;
    }
  }
  t.equal(ok + rejected, 40, `${ok} read, ${rejected} rejected as BAD_ELF`);
});
