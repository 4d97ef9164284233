import t from 'tap';
import { parseBtf } from '../../src/formats/btf/parse.js';
import { CTypeNamer } from '../../src/indexer/ctype.js';
import { rowsFromBtf } from '../../src/indexer/rows/from-btf.js';
import { BtfBuilder } from './helpers/btf-builder.js';

// Shapes compilers rarely emit today, built by hand.
t.test('hand-built BTF shapes', async (t) => {
  const b = new BtfBuilder();
  const long32 = b.int('long int', 4, { signed: true }); // a 32-bit target: pointers are 4 bytes
  const char = b.int('char', 1, { signed: true });
  const bits3 = b.int('unsigned int', 4, { bits: 3 }); // old-style bitfield: width in the INT
  const userTag = b.ref('type_tag', char, 'user');
  const userPtr = b.ref('ptr', userTag);
  const anon = b.composite('struct', '', 4, [{ name: 'x', type: long32, bitOffset: 0 }]);
  const anonPtr = b.ref('ptr', anon);
  const fwdU = b.fwd('later', true);
  const fwdPtr = b.ref('ptr', fwdU);
  const constChar = b.ref('const', char);
  const flex = b.array(constChar, 0);
  const constFlex = b.ref('const', flex);
  const e64 = b.enum64(
    'wide',
    [
      ['W_NEG', -2n],
      ['W_BIG', 1n << 40n],
    ],
    true,
  );
  b.composite('struct', 'old', 16, [
    { name: 'a', type: long32, bitOffset: 0 },
    { name: 'f', type: bits3, bitOffset: 37 },
    { name: 'u', type: userPtr, bitOffset: 64 },
    { name: 'p', type: anonPtr, bitOffset: 96 },
    { name: 'w', type: fwdPtr, bitOffset: 96 },
    { name: 'tail', type: constFlex, bitOffset: 128 },
  ]);
  b.variable('wide_var', e64);
  const btf = parseBtf(b.build({ endian: 'big' }));
  const rows = rowsFromBtf(btf, { module: 'm' });

  t.same(rows.types[0], { name: 'void *', alias: 'void *', bytes: 4 }, 'pointer size follows long');
  t.same(
    rows.structs
      .find((s) => s.name === 'struct old')
      ?.members.map((m) => [m.type, m.name, m.offset, m.bytes, m.bits]),
    [
      ['long', 'a', 0, 4, ''],
      ['unsigned int', 'f', 4, 4, '5:3'],
      ['char *', 'u', 8, 4, ''],
      ['struct {...} *', 'p', 12, 4, ''],
      ['union later *', 'w', 12, 4, ''],
      ['const char', 'tail[]', 16, 0, ''],
    ],
  );
  const wide = btf.type(e64);
  t.same(
    wide.kind === 'enum64' && wide.values.map((v) => v.value),
    [-2n, 1n << 40n],
    'signed 64-bit enumerators',
  );
  t.equal(new CTypeNamer(btf).name(e64), 'enum wide');
});
