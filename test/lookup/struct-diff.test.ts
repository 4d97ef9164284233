import t from 'tap';
import type { StructAnswer } from '../../src/lookup/answers.js';
import { diffStructs, memberKey } from '../../src/lookup/struct-diff.js';

const cell = (name: string, offset: number, size: number, type = 'int', bits = '') => ({
  type,
  name,
  offset,
  size,
  bits,
});
const struct = (cells: ReturnType<typeof cell>[], size = 64): StructAnswer => ({
  name: 'struct s',
  members: cells.length,
  size,
  cell: cells,
});

t.test('memberKey drops array dimensions only', async (t) => {
  t.equal(memberKey('comm[16]'), 'comm');
  t.equal(memberKey('stats[2][3]'), 'stats');
  t.equal(memberKey('se.run_node.rb_left'), 'se.run_node.rb_left');
});

t.test('every kind of change, in b order with removed members where a had them', async (t) => {
  const a = struct([
    cell('first', 0, 4),
    cell('gone', 4, 4),
    cell('comm[8]', 8, 8, 'char'),
    cell('pid', 16, 4),
    cell('kind', 20, 4),
    cell('flag', 24, 4, 'unsigned int', '0:1'),
  ]);
  const b = struct(
    [
      cell('first', 0, 4),
      cell('comm[16]', 8, 16, 'char'),
      cell('pid', 28, 4),
      cell('kind', 32, 4, 'enum pid_type'),
      cell('flag', 24, 4, 'unsigned int', '3:1'),
      cell('fresh', 40, 8, 'u64'),
    ],
    48,
  );
  const d = diffStructs(a, b);
  t.same(
    d.members.map((m) => [m.name, m.status, m.changes]),
    [
      ['first', 'same', []],
      ['gone', 'removed', []],
      ['comm', 'resized', ['size']],
      ['pid', 'moved', ['offset']],
      ['kind', 'moved', ['offset', 'type']],
      ['flag', 'moved', ['bits']],
      ['fresh', 'added', []],
    ],
  );
  t.same(d.summary, { same: 1, moved: 3, resized: 1, retyped: 0, added: 1, removed: 1 });
  t.same(d.a, { size: 64, members: 6 });
  t.same(d.b, { size: 48, members: 6 });
  t.equal(d.members[1]!.a!.name, 'gone');
  t.notOk(d.members[1]!.b);
  t.equal(d.members[6]!.b!.type, 'u64');
});

t.test('a type change alone is retyped; a resize that also moves stays resized', async (t) => {
  const d = diffStructs(
    struct([cell('x', 0, 4, 'int'), cell('y', 4, 4)]),
    struct([cell('x', 0, 4, 'u32'), cell('y', 8, 8)]),
  );
  t.same(
    d.members.map((m) => [m.status, m.changes]),
    [
      ['retyped', ['type']],
      ['resized', ['offset', 'size']],
    ],
  );
});

t.test('removed members before anything b keeps go first; repeated names pair in order', async (t) => {
  const d = diffStructs(
    struct([cell('old', 0, 4), cell('x', 4, 4), cell('x', 8, 4)]),
    struct([cell('x', 4, 4), cell('x', 12, 4), cell('x', 16, 4)]),
  );
  t.same(
    d.members.map((m) => [m.name, m.status]),
    [
      ['old', 'removed'],
      ['x', 'same'],
      ['x', 'moved'],
      ['x', 'added'],
    ],
  );
});

t.test('identical layouts: all same', async (t) => {
  const cells = [cell('a', 0, 8, 'void *'), cell('b.c', 8, 4)];
  const d = diffStructs(struct(cells), struct(cells.map((c) => ({ ...c }))));
  t.ok(d.members.every((m) => m.status === 'same'));
  t.equal(d.summary.same, 2);
});
