import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { ensureCli } from '../helpers/cli.js';
import { bpfFixture } from '../helpers/fixtures.js';
import { freePort } from '../helpers/free-port.js';
import { localHive } from '../helpers/local-hive.js';
import { parseSamples, sampleValue } from '../helpers/prom-text.js';
import { startRedis } from '../helpers/redis.js';

if (!existsSync('/sys/kernel/btf/vmlinux')) {
  t.plan(0, 'this kernel has no BTF: no local kernel to compile against');
} else {
  t.test(
    'BullMQ: the API counts the Redis queue, each `surfhive worker` its own jobs on its /metrics',
    async (t) => {
      const cli = await ensureCli();
      const redis = await startRedis();
      const prefix = `test-${randomUUID()}`;
      const h = await localHive({ redisUrl: redis.url, queuePrefix: prefix });
      const app = await buildApp({ config: h.config, registryOptions: { pollMs: 0 }, docs: false });
      await app.ready();
      let worker: ChildProcess | undefined;
      t.teardown(async () => {
        worker?.kill('SIGKILL');
        await app.close();
        await redis.stop();
        h.cleanup();
      });
      const api = async () => parseSamples((await app.inject({ url: '/metrics' })).body);
      const { arch, ver } = h.key;
      const source = `${bpfFixture('hello')}\n/* ${randomUUID()} */\n`;
      const posted = await app.inject({
        method: 'POST',
        url: '/api/v1/compile',
        payload: { arch, ver, output: 'so', source },
      });
      t.equal(posted.statusCode, 202);
      const id = posted.json().id as string;
      const queued = await api();
      t.equal(
        sampleValue(queued, 'surfhive_queue_jobs', { queue: 'compile', state: 'waiting' }),
        1,
        'no worker yet: the job waits in Redis',
      );

      const port = await freePort();
      const out: Record<string, unknown>[] = [];
      worker = spawn(
        'node',
        [cli, 'worker', '--hive', h.hive, '--concurrency', '1', '--metrics-port', String(port)],
        {
          env: {
            ...process.env,
            REDIS_URL: redis.url,
            SURFHIVE_QUEUE_PREFIX: prefix,
            SURFHIVE_HOST: '127.0.0.1',
            SURFHIVE_LOG_LEVEL: 'info',
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let rest = '';
      worker.stdout?.on('data', (chunk: Buffer) => {
        const text = rest + chunk.toString('utf8');
        const parts = text.split('\n');
        rest = parts.pop() ?? '';
        for (const p of parts) if (p.trim()) out.push(JSON.parse(p));
      });
      let done: { status?: string; artifact?: { size: number } } = {};
      for (let i = 0; i < 4 && done.status !== 'completed' && done.status !== 'failed'; i++)
        done = (await app.inject({ url: `/api/v1/compile/${id}?wait=30` })).json();
      t.equal(done.status, 'completed', 'the worker process compiled it');

      const scrape = async () => {
        for (let i = 0; i < 50; i++) {
          const r = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
          if (r?.ok) return parseSamples(await r.text());
          await sleep(100);
        }
        throw new Error('the worker’s /metrics never answered');
      };
      const w = await scrape();
      const v = (n: string, labels?: Record<string, string>) => sampleValue(w, n, labels);
      t.equal(v('surfhive_compile_jobs_total', { outcome: 'completed' }), 1, 'counted where it ran');
      for (const step of ['headers', 'compile', 'probes', 'link'])
        t.equal(v('surfhive_compile_step_duration_seconds_count', { step }), 1, step);
      t.equal(v('surfhive_compile_artifact_bytes_sum', { output: 'so' }), done.artifact?.size);
      t.ok((v('surfhive_process_resident_memory_bytes') ?? 0) > 0, 'the worker’s own process metrics');

      const after = await api();
      t.equal(sampleValue(after, 'surfhive_queue_jobs', { queue: 'compile', state: 'waiting' }), 0);
      t.equal(sampleValue(after, 'surfhive_queue_jobs', { queue: 'compile', state: 'active' }), 0);
      t.equal(
        sampleValue(after, 'surfhive_compile_cache_total', { result: 'miss' }),
        1,
        'the API saw the miss',
      );
      t.equal(
        sampleValue(after, 'surfhive_compile_jobs_total', { outcome: 'completed' }),
        0,
        'the API ran no compile: a dashboard summing API and workers counts each job once',
      );

      const mine = out.filter((l) => l.job === id);
      t.match(mine, [
        {
          msg: 'compile started',
          role: 'worker',
          kind: 'compile',
          kernel: `${arch}/${ver}`,
          attempt: 1,
          of: 3,
        },
        { msg: 'compile finished', role: 'worker', output: 'so', bytes: done.artifact?.size, ms: Number },
      ]);
      t.match(
        out.find((l) => l.msg === 'worker ready'),
        { metrics: `127.0.0.1:${port}` },
      );
    },
  );
}
