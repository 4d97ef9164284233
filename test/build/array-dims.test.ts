import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { isSurfhiveError } from '../../src/errors/codes.js';
import { parseBtf } from '../../src/formats/btf/parse.js';
import type { MemberArrayDims } from '../../src/formats/dwarf/array-dims.js';
import { parseDwfuncsListing } from '../../src/formats/dwarf/dwfuncs-output.js';
import {
  arrayDimsFromDwarf,
  funcsAndArrayDimsFromDwarf,
  funcsFromDwarf,
} from '../../src/formats/dwarf/funcs.js';
import { kernelRowsFromInput } from '../../src/indexer/kernel-rows.js';
import { moduleRows } from '../../src/indexer/module-rows.js';
import { rowsFromBtf } from '../../src/indexer/rows/from-btf.js';
import type { KernelRows } from '../../src/kernel-db/rows.js';
import { createLogger } from '../../src/log/logger.js';
import { TOOLS } from '../helpers/tools.js';
import { buildNative, rejectsKind, scratch, sh } from './helpers/native-tools.js';

const SOURCE = join(import.meta.dirname, 'fixtures', 'array-dims.c');

t.before(buildNative);

async function build(dir: string, shape: string[]): Promise<string> {
  copyFileSync(SOURCE, join(dir, 'a.c'));
  const out = shape.includes('-c') ? 'a.o' : 'a.so';
  await sh('gcc', ['-g', '-fno-eliminate-unused-debug-types', ...shape, 'a.c', '-o', out], dir);
  return join(dir, out);
}

async function btfOf(dir: string, elf: string) {
  await sh('pahole', ['-J', '--btf_encode_detached=a.btf', elf], dir);
  return parseBtf(readFileSync(join(dir, 'a.btf')));
}

/** type / name / offset / bytes of one struct row's members. */
const cells = (rows: KernelRows, struct: string) =>
  rows.structs.find((s) => s.name === struct)?.members.map((m) => [m.type, m.name, m.offset, m.bytes]);

const byKey = (a: MemberArrayDims, b: MemberArrayDims) =>
  `${a.anchor}/${a.path}` < `${b.anchor}/${b.path}` ? -1 : 1;

const WANT_DIMS = [
  { anchor: 'anon_t', path: 'm', offset: 0, dims: [2, 2] },
  { anchor: 'struct cube', path: 'c', offset: 0, dims: [2, 3, 4] },
  { anchor: 'struct holder', path: 'named.cv', offset: 112, dims: [3, 2] },
  { anchor: 'struct holder', path: 'named.s', offset: 96, dims: [2, 8] },
  { anchor: 'struct holder', path: 'q', offset: 48, dims: [3, 2] },
  { anchor: 'struct holder', path: 'rows', offset: 124, dims: [2, 3] },
  { anchor: 'struct holder', path: 'tail', offset: 184, dims: [0, 4] },
  { anchor: 'struct inner', path: 'm', offset: 0, dims: [2, 5] },
];

t.test('dwfuncs -a lists every multi-dimensional array member once', async (t) => {
  const dir = scratch(t, 'adims');
  for (const shape of [
    ['-O0', '-shared', '-fPIC'],
    ['-O2', '-c'],
  ]) {
    const elf = await build(dir, shape);
    const dims = await arrayDimsFromDwarf(elf, { tools: TOOLS });
    t.same([...dims].sort(byKey), WANT_DIMS, `gcc ${shape.join(' ')}`);
    const both = await funcsAndArrayDimsFromDwarf(elf, { module: 'm', tools: TOOLS });
    t.same(both.arrayDims, dims, 'one run gives the same dimensions');
    t.same(both.funcs, await funcsFromDwarf(elf, { module: 'm', tools: TOOLS }), 'and the same functions');
  }
});

t.test('rowsFromBtf names flattened arrays as DWARF declares them', async (t) => {
  const dir = scratch(t, 'adims-rows');
  const elf = await build(dir, ['-O0', '-shared', '-fPIC']);
  const btf = await btfOf(dir, elf);
  const arrayDims = await arrayDimsFromDwarf(elf, { tools: TOOLS });
  const plain = rowsFromBtf(btf, { module: 'vm' });
  const rows = rowsFromBtf(btf, { module: 'vm', arrayDims });

  t.same(cells(plain, 'struct cube')?.[0], ['short', 'c[24]', 0, 48], 'BTF alone: flattened');
  t.same(cells(rows, 'struct cube'), [
    ['short', 'c[2][3][4]', 0, 48],
    ['int', 'after', 48, 4],
  ]);
  t.same(cells(rows, 'struct holder'), [
    ['long', 'head', 0, 8],
    ['int', 'in.m[2][5]', 8, 40], // named struct member: looked up in struct inner
    ['u64', 'q[3][2]', 48, 48], // anonymous struct in anonymous union
    ['char', 'raw[48]', 48, 48],
    ['char', 'named.s[2][8]', 96, 16], // member of a named member of anonymous type
    ['const volatile short', 'named.cv[3][2]', 112, 12],
    ['int', 'rows[2][3]', 124, 24], // gcc's DWARF (and so gdb) merges `row3 rows[2]` into int [2][3]
    ['row3', 'plain', 148, 12], // typedef'd array: a leaf named by the typedef
    ['int', 'flat[6]', 160, 24],
    ['int', 'tail[][4]', 184, 0],
  ]);
  t.same(cells(rows, 'anon_t'), [['u64', 'm[2][2]', 0, 32]], 'typedef of an anonymous struct');
  t.same(cells(rows, 'struct inner'), [['int', 'm[2][5]', 0, 40]]);

  // Never rename on a mismatch: other counts, another place, or conflicting facts.
  const cube = (dims: MemberArrayDims[]) =>
    cells(rowsFromBtf(btf, { module: 'vm', arrayDims: dims }), 'struct cube')?.[0]?.[1];
  const good = { anchor: 'struct cube', path: 'c', offset: 0, dims: [2, 3, 4] };
  t.equal(cube([good]), 'c[2][3][4]');
  t.equal(cube([{ ...good, dims: [2, 3, 5] }]), 'c[24]', 'element counts differ');
  t.equal(cube([{ ...good, dims: [24] }]), 'c[24]', 'one dimension is no news');
  t.equal(cube([{ ...good, offset: 8 }]), 'c[24]', 'another offset');
  t.equal(cube([{ ...good, path: 'x' }]), 'c[24]', 'another member');
  t.equal(cube([{ ...good, anchor: 'union cube' }]), 'c[24]', 'another composite');
  t.equal(cube([good, { ...good, dims: [4, 3, 2] }]), 'c[24]', 'conflicting facts');
  t.equal(cube([good, { ...good }]), 'c[2][3][4]', 'the same fact twice');
});

t.test('the build pipeline passes DWARF dimensions to vmlinux and module rows', async (t) => {
  const dir = scratch(t, 'adims-pipe');
  const so = await build(dir, ['-O0', '-shared', '-fPIC']);
  const logger = createLogger('silent');
  const { rows } = await kernelRowsFromInput({
    input: so,
    kind: 'elf',
    arch: 'x86_64',
    workDir: dir,
    logger,
    tools: TOOLS,
  });
  t.equal(cells(rows, 'struct cube')?.[0]?.[1], 'c[2][3][4]', 'vmlinux-like ELF with DWARF');
  t.ok(
    rows.funcs.some((f) => f.func === 'use_them' && f.file === 'a.c'),
    'functions still from DWARF',
  );

  const o = await build(dir, ['-O2', '-c']);
  const mod = await moduleRows(
    { name: 'arrmod', elfPath: o },
    undefined,
    dir,
    new Set(['struct inner']),
    TOOLS,
  );
  t.equal(cells(mod, 'struct holder')?.[4]?.[1], 'named.s[2][8]', 'module with DWARF');
  t.notOk(cells(mod, 'struct inner'), 'skipped structs stay skipped');
});

function kindOf(fn: () => unknown): string {
  try {
    fn();
    return 'accepted';
  } catch (err) {
    return isSurfhiveError(err) ? err.kind : String(err);
  }
}

t.test('listing parser: A records and their trailer', async (t) => {
  const ok = 'A\tstruct x\t8\ta.b\\tc\t2\t3\nE\t0\t1\n';
  t.same(parseDwfuncsListing(ok).arrayDims, [
    { anchor: 'struct x', path: 'a.b\tc', offset: 8, dims: [2, 3] },
  ]);
  t.same(
    parseDwfuncsListing('A\tstruct x\t99999999999999999999\ta\t2\t3\nE\t0\t1\n').arrayDims,
    [],
    'huge offset',
  );
  t.same(parseDwfuncsListing('E\t0\n'), { funcs: [], arrayDims: [] }, 'listing without -a');
  for (const [text, why] of [
    ['A\tstruct x\t8\ta\t2\t3\nE\t0\n', 'A line not counted'],
    ['A\tstruct x\t8\ta\t2\t3\nE\t0\t2\n', 'A line missing'],
    ['A\tstruct x\t8\ta\t2\t3\n', 'no trailer'],
    ['A\tstruct x\t8\ta\t2\nE\t0\t1\n', 'one dimension'],
    ['A\tstruct x\t-8\ta\t2\t3\nE\t0\t1\n', 'negative offset'],
    ['A\tstruct x\t8\ta\t2\tx\nE\t0\t1\n', 'dimension not a number'],
    ['E\t0\tx\n', 'bad trailer'],
  ])
    t.equal(
      kindOf(() => parseDwfuncsListing(text!)),
      'TOOL_FAILED',
      why!,
    );
});

t.test('corrupted DWARF with -a: dimensions or BAD_ELF, never a crash', async (t) => {
  const dir = scratch(t, 'adims-fuzz');
  const so = await build(dir, ['-O0', '-shared', '-fPIC']);
  const bytes = readFileSync(so);
  const { stdout } = await sh('readelf', ['-SW', so], dir);
  const info = /\]\s+\.debug_(?:info|abbrev)\s+\w+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)/g;
  const sections = [...stdout.matchAll(info)].map((m) => ({
    off: Number.parseInt(m[1]!, 16),
    size: Number.parseInt(m[2]!, 16),
  }));
  t.equal(sections.length, 2, 'found .debug_info and .debug_abbrev');
  let seed = 777;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 25; i++) {
    const copy = Buffer.from(bytes);
    for (let k = 0; k < 1 + rand(8); k++) {
      const s = sections[rand(sections.length)]!;
      copy[s.off + rand(s.size)] = rand(256);
    }
    writeFileSync(join(dir, 'fz.so'), copy);
    await arrayDimsFromDwarf(join(dir, 'fz.so'), { tools: TOOLS }).then(
      (dims) => t.ok(Array.isArray(dims), `iteration ${i}: read`),
      (err) => t.equal((err as { kind?: string }).kind, 'BAD_ELF', `iteration ${i}: rejected`),
    );
  }
  await rejectsKind(
    t,
    arrayDimsFromDwarf(join(dir, 'missing'), { tools: TOOLS }),
    ['BAD_INPUT_FILE'],
    'missing file',
  );
});

const VMLINUX = '/var/cache/surfhive-bench/x/usr/lib/debug/boot/vmlinux-6.1.0-56-amd64';
t.test('a real Debian vmlinux', { skip: !existsSync(VMLINUX) && 'no Debian vmlinux here' }, async (t) => {
  const dims = await arrayDimsFromDwarf(VMLINUX, { tools: TOOLS });
  const anchors = dims.map((d) => d.anchor);
  t.equal(new Set(dims.map((d) => `${d.anchor}/${d.path}`)).size, dims.length, 'each member once');
  t.ok(dims.length >= 30, `${dims.length} multi-dimensional array members`);
  t.ok(anchors.includes('struct lru_gen_struct'), 'struct lru_gen_struct');
  t.match(
    dims.find((d) => d.anchor === 'struct lru_gen_struct' && d.path === 'folios'),
    { dims: [4, 2, 5] },
    'lru_gen_struct.folios[4][2][5]',
  );
});
