import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { ensureCli } from '../helpers/cli.js';
import { bpfFixture } from '../helpers/fixtures.js';
import { localHive } from '../helpers/local-hive.js';
import { startRedis } from '../helpers/redis.js';

if (!existsSync('/sys/kernel/btf/vmlinux')) {
  t.plan(0, 'this kernel has no BTF: no local kernel to compile against');
} else {
  t.test(
    'BullMQ: the API queues, `surfhive worker` processes compile; a killed worker’s job completes elsewhere',
    async (t) => {
      const cli = await ensureCli();
      const redis = await startRedis();
      const prefix = `test-${randomUUID()}`;
      const h = await localHive({ redisUrl: redis.url, queuePrefix: prefix });
      const app = await buildApp({ config: h.config, registryOptions: { pollMs: 0 }, docs: false });
      await app.ready();
      const workers: ChildProcess[] = [];
      const startWorker = () => {
        const w = spawn('node', [cli, 'worker', '--hive', h.hive, '--concurrency', '1'], {
          env: {
            ...process.env,
            REDIS_URL: redis.url,
            SURFHIVE_QUEUE_PREFIX: prefix,
            SURFHIVE_WORKER_LOCK_MS: '2000',
            SURFHIVE_LOG_LEVEL: 'warn',
          },
          stdio: 'ignore',
        });
        workers.push(w);
        return w;
      };
      t.teardown(async () => {
        for (const w of workers) w.kill('SIGKILL');
        await app.close();
        await redis.stop();
        h.cleanup();
      });
      const { arch, ver } = h.key;
      const post = (source: string) =>
        app.inject({ method: 'POST', url: '/api/v1/compile', payload: { arch, ver, output: 'so', source } });

      const first = startWorker();
      const ok = await post(bpfFixture('hello'));
      t.equal(ok.statusCode, 202, 'queued');
      const done = await app.inject({ url: `/api/v1/compile/${ok.json().id}?wait=30` });
      t.match(done.json(), { status: 'completed' }, 'a worker process compiled it');

      const slow = await post(`${bpfFixture('call_stack')}\n/* ${randomUUID()} */\n`);
      const id = slow.json().id as string;
      const deadline = Date.now() + 20_000;
      let state = '';
      while (Date.now() < deadline) {
        state = (await app.inject({ url: `/api/v1/compile/${id}` })).json().status;
        if (state !== 'waiting') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      t.equal(state, 'active', 'the job started on the first worker');
      first.kill('SIGKILL');
      startWorker();
      const after = await app.inject({ url: `/api/v1/compile/${id}?wait=30` });
      t.match(after.json(), { status: 'completed' }, 'retried and completed by the second worker');
    },
  );
}
