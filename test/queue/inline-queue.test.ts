import { UnrecoverableError } from 'bullmq';
import t from 'tap';
import { InlineQueue } from '../../src/queue/inline-queue.js';
import { JobFailedError } from '../../src/queue/types.js';

t.test('runs jobs, retries infrastructure faults, fails user errors at once', async (t) => {
  const calls = new Map<string, number>();
  const q = new InlineQueue<{ kind: string }, string>(
    'test',
    async (job) => {
      const n = (calls.get(job.id) ?? 0) + 1;
      calls.set(job.id, n);
      await job.log(`attempt ${n}`);
      if (job.data.kind === 'flaky' && n < 2) throw new Error('disk hiccup');
      if (job.data.kind === 'user') throw new UnrecoverableError('syntax error');
      return `done ${job.data.kind}`;
    },
    { concurrency: 2, backoffMs: 5 },
  );
  const ok = await q.submit('x', { kind: 'ok' });
  const flaky = await q.submit('x', { kind: 'flaky' });
  const user = await q.submit('x', { kind: 'user' });
  t.equal(await q.wait(ok, 2000), 'done ok');
  t.equal(await q.wait(flaky, 2000), 'done flaky');
  const err = await q.wait(user, 2000).catch((e: unknown) => e);
  t.ok(err instanceof JobFailedError && err.unrecoverable, 'user error is unrecoverable');
  t.equal(calls.get(user), 1, 'user error not retried');
  t.equal(calls.get(flaky), 2, 'fault retried once');
  const state = await q.get(flaky);
  t.same(state?.logs, ['attempt 1', 'attempt 2']);
  t.equal(state?.status, 'completed');
  await q.close();
});

t.test('identical job ids run once', async (t) => {
  let runs = 0;
  const q = new InlineQueue<number, number>(
    'dedupe',
    async (job) => {
      runs++;
      await new Promise((r) => setTimeout(r, 50));
      return job.data * 2;
    },
    { concurrency: 2 },
  );
  const ids = await Promise.all([q.submit('a', 21, { jobId: 'same' }), q.submit('a', 21, { jobId: 'same' })]);
  t.same(ids, ['same', 'same']);
  t.same(await Promise.all(ids.map((id) => q.wait(id, 1000))), [42, 42]);
  t.equal(runs, 1);
  await q.close();
});
