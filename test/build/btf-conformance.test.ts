import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parseBtf } from '../../src/formats/btf/parse.js';
import { arrayDimsFromDwarf } from '../../src/formats/dwarf/funcs.js';
import { rowsFromBtf } from '../../src/indexer/rows/from-btf.js';
import type { KernelRows, MemberRow } from '../../src/kernel-db/rows.js';
import { readGolden } from '../helpers/golden-hive.js';
import { TOOLS } from '../helpers/tools.js';
import { compileC, FIXTURE_C, paholeBtf, tempDir } from './helpers/btf-tools.js';
import { buildNative } from './helpers/native-tools.js';

const golden = readGolden();

/**
 * The documented deviations (docs/kernel-db.md): one trailing `;` dropped, `x[0]` and `x[]` alike.
 * Multi-dimensional arrays keep their dimensions only with `arrayDims` from DWARF.
 */
const dropSemicolon = (s: string) => (s.endsWith(';') ? s.slice(0, -1) : s);
const flexName = (s: string) => s.replace(/\[0\]$/, '[]');

function cellOf(m: MemberRow) {
  return { type: m.type, name: flexName(m.name), offset: m.offset, size: m.bytes, bits: m.bits };
}

function checkAgainstGolden(t: Test, rows: KernelRows) {
  const structs = new Map(rows.structs.map((s) => [s.name, s]));
  for (const g of golden.structs) {
    const s = structs.get(g.name);
    if (!s) {
      t.fail(`struct row ${g.name} missing`);
      continue;
    }
    t.equal(s.bytes, g.size, `${g.name} size`);
    t.equal(s.members.length, g.members, `${g.name} member count`);
    g.cell.forEach((gc, i) => {
      const want = {
        type: dropSemicolon(gc.type),
        name: flexName(gc.name),
        offset: gc.offset,
        size: gc.size,
        bits: dropSemicolon(gc.bits),
      };
      t.same(s.members[i] && cellOf(s.members[i]), want, `${g.name}/${gc.name}`);
    });
  }

  const types = new Map(rows.types.map((r) => [r.name, r]));
  t.same(rows.types[0], { name: 'void *', alias: 'void *', bytes: 8 }, 'type row 1 is void *');
  for (const g of golden.types) {
    t.same(types.get(g.name), { name: g.name, alias: g.type, bytes: g.size }, `type ${g.name}`);
  }
}

t.before(buildNative);

t.test('kfixture.c through gcc + pahole -J (+ DWARF array dimensions) matches golden.json', async (t) => {
  const { dir, cleanup } = tempDir('kfixture');
  t.teardown(cleanup);
  await compileC(dir, FIXTURE_C, join(dir, 'kfixture.so'));
  const arrayDims = await arrayDimsFromDwarf(join(dir, 'kfixture.so'), { tools: TOOLS });
  for (const variant of [[], ['--btf_gen_floats']]) {
    await t.test(`pahole -J ${variant.join(' ')}`, async (t) => {
      const raw = await paholeBtf(dir, 'kfixture.so', `k${variant.length}.btf`, variant);
      const btf = parseBtf(raw);
      const rows = rowsFromBtf(btf, { module: 'vm', arrayDims });
      checkAgainstGolden(t, rows);

      // BTF alone cannot say more: pahole flattens `u64 stats[2][3]` into 6 x u64.
      const btfOnly = rowsFromBtf(btf, { module: 'vm' });
      const stats = (r: KernelRows) =>
        r.structs
          .find((s) => s.name === 'struct task_struct')
          ?.members.find((m) => m.name.startsWith('stats['));
      t.match(
        stats(btfOnly),
        { name: 'stats[6]', type: 'u64', offset: 184, bytes: 48 },
        'without DWARF: stats[6]',
      );
      t.match(
        stats(rows),
        { name: 'stats[2][3]', type: 'u64', offset: 184, bytes: 48 },
        'with DWARF: stats[2][3]',
      );

      // Functions: BTF has no file/line, and pahole marks every FUNC static, so
      // the `static ` prefix follows the BTF linkage, not the source.
      const funcs = new Map(rows.funcs.map((f) => [f.func, f]));
      for (const g of golden.funcs) {
        const f = funcs.get(g.func);
        t.ok(f, `func ${g.func} present`);
        if (!f) continue;
        t.same(f.args, g.args, `${g.func} args`);
        const rec = btf.types.find((x) => x.kind === 'func' && x.name === g.func);
        // pahole 1.24 records no linkage (every function static); rows then drop the prefix.
        const linkageRecorded = btf.types.some((x) => x.kind === 'func' && x.linkage === 'global');
        const linkageStatic = linkageRecorded && rec?.kind === 'func' && rec.linkage === 'static';
        t.equal(f.ret, (linkageStatic ? 'static ' : '') + g.ret.replace(/^static /, ''), `${g.func} ret`);
        t.same([f.line, f.file, f.module], [0, '', 'vm'], `${g.func} has no source position`);
      }
      const plain = rowsFromBtf(btf, { module: 'vm', ignoreLinkage: true });
      for (const g of golden.funcs.filter((g) => !g.ret.startsWith('static ')))
        t.equal(plain.funcs.find((f) => f.func === g.func)?.ret, g.ret, `${g.func} ret, linkage ignored`);
    });
  }
});
