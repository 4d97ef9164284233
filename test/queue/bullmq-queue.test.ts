import { randomUUID } from 'node:crypto';
import t from 'tap';
import {
  BullQueue,
  redisConnection,
  startBullWorker,
  UnrecoverableError,
} from '../../src/queue/bullmq-queue.js';
import { JobFailedError } from '../../src/queue/types.js';
import { startRedis } from '../helpers/redis.js';

t.test('BullMQ queue on a real Redis', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const name = `test-${randomUUID()}`;
  const producer = redisConnection(redis.url, 'producer');
  const workerConn = redisConnection(redis.url, 'worker');
  const queue = new BullQueue<{ n: number; fail?: 'user' | 'flaky' }, number>(name, producer, {
    backoffMs: 10,
  });
  await queue.ready();
  const attempts = new Map<string, number>();
  const worker = startBullWorker<{ n: number; fail?: 'user' | 'flaky' }, number>(
    name,
    async (job) => {
      attempts.set(job.id, job.attempt);
      await job.log(`attempt ${job.attempt}`);
      if (job.data.fail === 'user') throw new UnrecoverableError('bad program');
      if (job.data.fail === 'flaky' && job.attempt < 2) throw new Error('worker fault');
      return job.data.n * 2;
    },
    { connection: workerConn, concurrency: 2 },
  );
  t.teardown(async () => {
    await worker.close();
    await queue.close();
    producer.disconnect();
    workerConn.disconnect();
  });

  const ok = await queue.submit('double', { n: 4 });
  t.equal(await queue.wait(ok, 10_000), 8);
  const flaky = await queue.submit('double', { n: 5, fail: 'flaky' });
  t.equal(await queue.wait(flaky, 10_000), 10);
  t.equal(attempts.get(flaky), 2, 'infrastructure fault retried');
  const user = await queue.submit('double', { n: 1, fail: 'user' });
  const err = await queue.wait(user, 10_000).catch((e: unknown) => e);
  t.ok(err instanceof JobFailedError, 'user error fails the job');
  t.equal(attempts.get(user), 1, 'user error not retried');
  const state = await queue.get(flaky);
  t.equal(state?.status, 'completed');
  t.same(state?.logs, ['attempt 1', 'attempt 2']);
  const dup1 = await queue.submit('double', { n: 7 }, { jobId: 'same-key' });
  const dup2 = await queue.submit('double', { n: 7 }, { jobId: 'same-key' });
  t.equal(dup1, dup2, 'same job id joins the first job');
  t.equal(await queue.wait(dup1, 10_000), 14);
});
