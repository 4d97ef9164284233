import t from 'tap';
import { isSurfhiveError } from '../../src/errors/codes.js';
import { parseBtf } from '../../src/formats/btf/parse.js';
import { rowsFromBtf } from '../../src/indexer/rows/from-btf.js';
import { BtfBuilder, KIND } from './helpers/btf-builder.js';
import { expectKind } from './helpers/expect-kind.js';

/** A small valid blob touching most kinds; hostile variants are derived from it. */
function validBuilder(): BtfBuilder {
  const b = new BtfBuilder();
  const int = b.int('int', 4, { signed: true });
  const ulong = b.int('long unsigned int', 8);
  const node = b.composite('struct', 'node', 16, [
    { name: 'next', type: 0, bitOffset: 0 }, // patched below to a pointer
    { name: 'val', type: int, bitOffset: 64 },
    { name: 'flag', type: ulong, bitOffset: 96, bitfieldSize: 3 },
  ]);
  const ptr = b.ref('ptr', node);
  b.types[node - 1]!.extra[1] = ptr;
  const u64 = b.ref('typedef', ulong, 'u64');
  const proto = b.proto(
    int,
    [
      { name: 'n', type: ptr },
      { name: 'x', type: u64 },
    ],
    true,
  );
  b.func('walk', proto, 1);
  b.enum('color', 4, [
    ['RED', 0],
    ['BLUE', 1],
  ]);
  b.array(int, 4, int);
  b.float('double', 8);
  b.variable('counter', int);
  return b;
}

t.test('the base blob is valid', async (t) => {
  const btf = parseBtf(validBuilder().build());
  const rows = rowsFromBtf(btf, { module: 'vm' });
  t.same(rows.funcs[0]?.args, ['struct node *', 'u64', '...']);
  t.equal(rows.structs[0]?.members[2]?.bits, '0:3');
});

t.test('hostile blobs give BAD_BTF', async (t) => {
  const good = validBuilder().build();
  const mutate = (f: (b: Buffer) => void) => {
    const c = Buffer.from(good);
    f(c);
    return c;
  };
  const hdr = (field: number, v: number) => mutate((b) => b.writeUInt32LE(v, field));
  const cases: [string, () => Buffer][] = [
    ['empty input', () => Buffer.alloc(0)],
    ['bad magic', () => mutate((b) => b.writeUInt16LE(0x1234, 0))],
    ['version 2', () => mutate((b) => (b[2] = 2))],
    ['header length past the end', () => hdr(4, good.length + 100)],
    ['header length below minimum', () => hdr(4, 8)],
    ['type section past the end', () => hdr(12, 0xfffffff0)],
    ['string section past the end', () => hdr(20, 0x7fffffff)],
    ['sections overlap', () => hdr(16, 4)],
    ['truncated in the middle of a type', () => good.subarray(0, 24 + 30)],
    ['type length not covering the last record', () => hdr(12, good.readUInt32LE(12) - 4)],
    ['string section not NUL-terminated', () => mutate((b) => (b[b.length - 1] = 0x41))],
  ];
  for (const [what, make] of cases) expectKind(t, 'BAD_BTF', () => parseBtf(make()), what);

  const built: [string, (b: BtfBuilder) => void][] = [
    ['string offset out of range', (b) => (b.types[0]!.nameOff = 1 << 30)],
    ['type id out of range', (b) => b.ref('ptr', 9999)],
    [
      'typedef loop through const',
      (b) => {
        const id = b.types.length + 1;
        b.ref('typedef', id + 1, 'A');
        b.ref('const', id);
      },
    ],
    ['pointer to itself', (b) => b.ref('ptr', b.types.length + 1)],
    [
      'function pointer returning itself',
      (b) => {
        const p = b.types.length + 1;
        b.ref('ptr', p + 1);
        b.proto(p, []);
      },
    ],
    [
      'struct containing itself by value',
      (b) => {
        const id = b.types.length + 1;
        b.composite('struct', 'self', 8, [{ name: 'me', type: id, bitOffset: 0 }]);
      },
    ],
    ['array of itself', (b) => b.array(b.types.length + 1, 2)],
    ['absurd vlen', (b) => b.raw({ kind: KIND.struct, vlen: 0xffff, sizeOrType: 8 })],
    ['unknown kind 25', (b) => b.raw({ kind: 25 })],
    ['integer of size 3', (b) => b.int('odd', 3)],
    ['integer wider than 128 bits', (b) => b.raw({ kind: KIND.int, sizeOrType: 16, extra: [200] })],
    [
      'member outside its struct',
      (b) => b.composite('struct', 'x', 4, [{ name: 'a', type: 1, bitOffset: 64 }]),
    ],
    ['void struct member', (b) => b.composite('struct', 'x', 4, [{ name: 'a', type: 0, bitOffset: 0 }])],
    ['function typed with an int', (b) => b.func('f', 1)],
    ['void parameter before the end', (b) => b.raw({ kind: KIND.func_proto, vlen: 2, extra: [0, 0, 0, 1] })],
    ['unknown function linkage', (b) => b.raw({ kind: KIND.func, vlen: 7, sizeOrType: 6 })],
    ['enum of size 3', (b) => b.enum('e', 3, [['A', 1]])],
    ['decl tag on an int', (b) => b.declTag('tag', 1, -1)],
    ['datasec entry that is not a variable', (b) => b.datasec('.data', 4, [{ type: 1, offset: 0, size: 4 }])],
    [
      'const chain deeper than any real kernel',
      (b) => {
        let prev = 1;
        for (let i = 0; i < 2000; i++) prev = b.ref('const', prev);
        b.ref('typedef', prev, 'deep');
      },
    ],
  ];
  for (const [what, edit] of built) {
    const b = validBuilder();
    edit(b);
    expectKind(t, 'BAD_BTF', () => parseBtf(b.build()), what);
  }
});

t.test('split BTF on a hostile base reference', async (t) => {
  const baseRaw = validBuilder().build();
  const base = parseBtf(baseRaw);
  const baseStrLen = baseRaw.readUInt32LE(20);
  const b = new BtfBuilder(base.typeCount, baseStrLen);
  b.ref('ptr', base.typeCount + 5); // neither in base nor in this blob
  expectKind(t, 'BAD_BTF', () => parseBtf(b.build(), base), 'split id out of range');
  const c = new BtfBuilder(base.typeCount, baseStrLen);
  c.ref('typedef', 1, 'far');
  c.types[0]!.nameOff = baseStrLen + 9999;
  expectKind(t, 'BAD_BTF', () => parseBtf(c.build(), base), 'split string offset out of range');
  expectKind(
    t,
    'BAD_BTF',
    () => parseBtf(validBuilder().build({ endian: 'big' }), base),
    'endianness mismatch',
  );
});

t.test('a struct that flattens to billions of rows is refused quickly', async (t) => {
  const b = new BtfBuilder();
  const int = b.int('int', 4);
  let inner = b.composite('struct', 'leaf', 4, [{ name: 'x', type: int, bitOffset: 0 }]);
  // Each level embeds the previous one 4000 times: 4000^3 leaf members.
  for (let level = 0; level < 3; level++) {
    const members = Array.from({ length: 4000 }, (_, i) => ({ name: `m${i}`, type: inner, bitOffset: 0 }));
    inner = b.composite('union', `wide${level}`, 4, members);
  }
  const btf = parseBtf(b.build());
  const started = performance.now();
  expectKind(t, 'BAD_BTF', () => rowsFromBtf(btf, { module: 'vm' }), 'flattening blow-up');
  t.ok(performance.now() - started < 10_000, 'refused within seconds');
});

t.test('random corruption never escapes as anything but BAD_BTF', async (t) => {
  const good = validBuilder().build();
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let rejected = 0;
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const c = Buffer.from(good);
    for (let k = 1 + rand(4); k > 0; k--) c[rand(c.length)] = rand(256);
    const blob = rand(10) === 0 ? c.subarray(0, rand(c.length)) : c;
    try {
      rowsFromBtf(parseBtf(blob), { module: 'vm' });
      accepted++;
    } catch (err) {
      if (!isSurfhiveError(err) || err.kind !== 'BAD_BTF') {
        t.fail(`mutation ${i} threw ${String(err)}`);
        return;
      }
      rejected++;
    }
  }
  t.ok(rejected > 0 && accepted > 0, `${rejected} rejected, ${accepted} still valid`);
});
