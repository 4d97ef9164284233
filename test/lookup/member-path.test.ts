import t from 'tap';
import { KernelDbHandle } from '../../src/lookup/kernel-db-handle.js';
import { parseMemberPath, resolveMemberPath } from '../../src/lookup/member-path.js';
import { goldenHive } from '../helpers/golden-hive.js';

t.test('member path parsing', async (t) => {
  t.same(parseMemberPath('se.run_node.rb_left'), [
    { name: 'se', indices: [] },
    { name: 'run_node', indices: [] },
    { name: 'rb_left', indices: [] },
  ]);
  t.same(parseMemberPath('stats[1][2]'), [{ name: 'stats', indices: [1, 2] }]);
  for (const bad of [
    '',
    '.a',
    'a.',
    'a..b',
    'a[',
    'a[x]',
    'a[-1]',
    '1a',
    'a b',
    "a'--",
    'a[1]b',
    `${'a.'.repeat(40)}a`,
  ]) {
    t.throws(() => parseMemberPath(bad), { code: 'SURFHIVE_ERR_INVALID_FIELD' }, JSON.stringify(bad));
  }
});

t.test('member path resolution on the golden database', async (t) => {
  const h = goldenHive();
  t.teardown(h.cleanup);
  const db = new KernelDbHandle(h.dbFile, 'golden');
  t.teardown(() => db.retire());
  const at = (s: string, p: string) => {
    const r = resolveMemberPath(db, s, p);
    return [r.type, r.offset, r.size];
  };
  t.same(at('struct task_struct', 'se.load.inv_weight'), ['u32', 32, 4]);
  t.same(at('struct task_struct', 'comm[0]'), ['char', 168, 1]);
  t.same(at('struct task_struct', 'comm[15]'), ['char', 183, 1]);
  t.same(at('struct task_struct', 'stats[0][1]'), ['u64', 192, 8]);
  t.same(at('struct task_struct', 'named_inline.b'), ['u8', 252, 1]);
  t.same(at('struct file', 'f_owner.pid'), ['void *', 120, 8]);
  t.throws(() => resolveMemberPath(db, 'struct nosuch', 'a'), { code: 'SURFHIVE_ERR_STRUCT_NOT_FOUND' });
  t.throws(() => resolveMemberPath(db, 'struct task_struct', 'stats[2][0]'), {
    code: 'SURFHIVE_ERR_INVALID_FIELD',
  });
  t.throws(() => resolveMemberPath(db, 'struct task_struct', 'prio[0]'), {
    code: 'SURFHIVE_ERR_INVALID_FIELD',
  });
  t.throws(() => resolveMemberPath(db, 'struct task_struct', 'stats.x'), {
    code: 'SURFHIVE_ERR_INVALID_FIELD',
  });
});
