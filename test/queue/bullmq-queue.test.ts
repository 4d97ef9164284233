import { randomUUID } from 'node:crypto';
import t from 'tap';
import { BullQueue, redisConnection, UnrecoverableError } from '../../src/queue/bullmq-queue.js';
import { BullWorker } from '../../src/queue/bullmq-worker.js';
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
  const worker = new BullWorker<{ n: number; fail?: 'user' | 'flaky' }, number>(
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

t.test(
  'closing a worker takes bounded time: running jobs finish within the grace, or are stopped',
  async (t) => {
    const redis = await startRedis();
    t.teardown(() => redis.stop());
    const name = `test-${randomUUID()}`;
    const producer = redisConnection(redis.url, 'producer');
    const queue = new BullQueue<{ ms: number }, string>(name, producer, {});
    await queue.ready();
    t.teardown(async () => {
      await queue.close();
      producer.disconnect();
    });
    const started: string[] = [];
    const aborted: string[] = [];
    const start = (connection: ReturnType<typeof redisConnection>) =>
      new BullWorker<{ ms: number }, string>(
        name,
        async (job) => {
          started.push(job.id);
          // ends when its time is up, or when it is told to stop
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, job.data.ms);
            job.signal.addEventListener('abort', () => {
              aborted.push(job.id);
              clearTimeout(timer);
              resolve();
            });
          });
          return `slept ${job.data.ms}`;
        },
        { connection, concurrency: 1 },
      );
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
    };

    const conn1 = redisConnection(redis.url, 'worker');
    const quick = await queue.submit('sleep', { ms: 500 });
    const w1 = start(conn1);
    await until(() => started.includes(quick));
    t.equal(await w1.close(10_000), true, 'a job that ends within the grace is waited for');
    conn1.disconnect();
    t.equal(await queue.wait(quick, 5_000), 'slept 500', 'and its result is kept');
    t.same(aborted, []);

    const conn2 = redisConnection(redis.url, 'worker');
    const slow = await queue.submit('sleep', { ms: 60_000 });
    const w2 = start(conn2);
    await until(() => started.includes(slow));
    const t0 = Date.now();
    t.equal(await w2.close(300), false, 'a job still running past the grace is reported');
    conn2.disconnect();
    t.ok(Date.now() - t0 < 5_000, `closed in ${Date.now() - t0} ms`);
    t.same(aborted, [slow], 'and told to stop');

    // after a Redis restart the worker's own graceful close may never end; this one does
    const conn3 = redisConnection(redis.url, 'worker');
    const w3 = start(conn3);
    await w3.worker.waitUntilReady();
    await redis.restart(200);
    const t1 = Date.now();
    t.equal(await w3.close(1_000), true, 'an idle worker has nothing to wait for');
    conn3.disconnect();
    t.ok(Date.now() - t1 < 25_000, `closed after a restart in ${Date.now() - t1} ms`);
  },
);
