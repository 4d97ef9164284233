import t from 'tap';
import {
  ancestorsOf,
  assignLanes,
  bitsText,
  buildModel,
  type Group,
  gridRows,
  groupKeys,
  type Item,
  visibleGaps,
  visibleNodes,
} from '../../web/src/layout-model.js';
import { loadGolden } from '../helpers/golden-hive.js';

const golden = loadGolden();
const task = golden.structs.find((s) => s.name === 'struct task_struct')!;

t.test('golden task_struct: tree, holes in bits, no padding', async (t) => {
  const m = buildModel(task);
  t.equal(m.leaves.length, 36);
  t.same(
    m.roots.filter((n) => n.kind === 'group').map((g) => g.key),
    ['se', 'children', 'rcu', 'wake_q', 'named_inline'],
  );
  const se = m.roots.find((n) => n.key === 'se') as Group;
  t.same([se.start / 8, se.end / 8], [24, 104]);
  t.same(
    se.children.map((c) => c.key),
    ['se.load', 'se.run_node', 'se.group_node', 'se.on_rq', 'se.exec_start', 'se.sum_exec_runtime'],
  );
  const rbLeft = m.leaves.find((l) => l.key === 'se.run_node.rb_left')!;
  t.same([rbLeft.path, rbLeft.label, rbLeft.depth], ['se.run_node.rb_left', 'rb_left', 2]);
  t.equal(m.leaves.find((l) => l.key === 'comm[16]')!.path, 'comm');
  const bit = m.leaves.find((l) => l.key === 'sched_migrated')!;
  t.same([bit.bitfield, bit.start, bit.end, bit.bits], [true, 124 * 8 + 2, 124 * 8 + 3, '2:1']);

  t.same(
    m.gaps.map((g) => [g.kind, g.start / 8, bitsText(g.end - g.start)]),
    [
      ['hole', 4, '4 bytes'],
      ['hole', 20, '4 bytes'],
      ['hole', 36, '4 bytes'],
      ['hole', 84, '4 bytes'],
      ['hole', 124.375, '3 bytes 5 bits'],
      ['hole', 128.125, '3 bytes 7 bits'],
      ['hole', 140, '4 bytes'],
      ['hole', 253, '3 bytes'],
      ['hole', 260, '4 bytes'],
      ['hole', 276, '4 bytes'],
    ],
  );
});

t.test('closed groups stand for their members and hide their holes', async (t) => {
  const m = buildModel(task);
  const closed = visibleNodes(m.roots, new Set());
  t.equal(closed.length, 24);
  t.notOk(
    visibleGaps(m, closed).some((g) => g.start === 36 * 8),
    'the hole inside se goes with the se block',
  );
  const open = visibleNodes(m.roots, new Set(groupKeys(m.roots)));
  t.equal(open.length, 36);
  t.equal(visibleGaps(m, open).length, 10);
  t.same(ancestorsOf('se.run_node.rb_left'), ['se', 'se.run_node']);
});

t.test('union alternatives get their own lanes; rows fold inside long members', async (t) => {
  const m = buildModel(task);
  const visible = visibleNodes(m.roots, new Set());
  const lanes = assignLanes(visible);
  const lane = (key: string) => lanes.get(visible.find((n) => n.key === key)!);
  t.equal(lane('rcu'), 0);
  t.equal(lane('wake_q'), 1);
  t.equal(lane('mm'), 0);

  const items: Item[] = [...visible, ...visibleGaps(m, visible)];
  const rows = gridRows(items, lanes, m.size, 8);
  const folds = rows.filter((r) => r.kind === 'fold');
  t.same(
    folds.map((f) => (f.kind === 'fold' ? [f.from, f.to, f.item.kind === 'hole' ? '' : f.item.key] : [])),
    [
      [32, 96, 'se'],
      [192, 224, 'stats[2][3]'],
    ],
  );
  const rcuRow = rows.find((r) => r.kind === 'row' && r.offset === 232)!;
  t.equal(rcuRow.kind === 'row' && rcuRow.lanes, 2);
  t.equal(rows.length, 36 - 8 - 4 + 2, 'one line per 8 bytes, folded runs count once');
});

t.test('tail padding, a flexible array, bitfields on a 4-byte grid', async (t) => {
  const m = buildModel({
    name: 'struct x',
    size: 16,
    cell: [
      { type: 'int', name: 'a', offset: 0, size: 4, bits: '' },
      { type: 'unsigned int', name: 'f', offset: 4, size: 4, bits: '0:3;' },
      { type: 'char', name: 'tail[]', offset: 8, size: 0, bits: '' },
    ],
  });
  t.same(
    m.gaps.map((g) => [g.kind, g.start, g.end]),
    [
      ['hole', 35, 64],
      ['padding', 64, 128],
    ],
  );
  const visible = visibleNodes(m.roots, new Set());
  const rows = gridRows([...visible, ...m.gaps], assignLanes(visible), m.size, 4);
  t.equal(rows.length, 4);
  const second = rows[1]!;
  t.ok(second.kind === 'row');
  if (second.kind === 'row') {
    t.same(
      second.segments.map((s) => [s.item.kind, s.from, s.to]),
      [
        ['leaf', 0, 3],
        ['hole', 3, 32],
      ],
    );
  }
  const flex = m.leaves.find((l) => l.key === 'tail[]')!;
  t.same([flex.start, flex.end, flex.path], [64, 64, 'tail']);
});
