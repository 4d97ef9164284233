import t from 'tap';
import { DrainBudget } from '../../src/api/drain-budget.js';

t.test('each client has its own bucket: spent, then refilled with time, never above the burst', async (t) => {
  const b = new DrainBudget(1000, 4000);
  t.ok(b.take('a', 3000, 0));
  t.ok(b.take('a', 1000, 0), 'the whole burst');
  t.notOk(b.take('a', 1, 0), 'then nothing');
  t.ok(b.take('b', 4000, 0), 'another client has a budget of its own');
  t.notOk(b.take('a', 600, 500), 'half a second brings 500 bytes');
  t.ok(b.take('a', 500, 500));
  t.ok(b.take('a', 4000, 60_000), 'a long pause refills to the burst');
  t.notOk(b.take('a', 1, 60_000), 'and not beyond');
});

t.test('a refused take takes nothing', async (t) => {
  const b = new DrainBudget(1000, 4000);
  t.notOk(b.take('a', 5000, 0));
  t.ok(b.take('a', 4000, 0));
});

t.test('memory stays bounded however many clients come', async (t) => {
  const b = new DrainBudget(1, 10);
  for (let i = 0; i < 25_000; i++) b.take(`10.0.${i >> 8}.${i & 255}`, 10, 0);
  const size = (b as unknown as { clients: Map<string, unknown> }).clients.size;
  t.ok(size <= 10_000, `${size} clients remembered`);
  t.notOk(b.take('10.0.97.167', 1, 0), 'a recent debtor is still remembered');
});
