import { existsSync } from 'node:fs';
import t, { type Test } from 'tap';
import { bpfFixture } from '../helpers/fixtures.js';
import { sleep } from './helpers/procs.js';
import { postCompile, queueStack } from './helpers/stack.js';

async function redisRestartMidQueue(t: Test) {
  const { h, redis, queueEnv, startApi, start } = await queueStack(t);
  const env = { ...queueEnv, SURFHIVE_LOG_LEVEL: 'warn' };
  const api = await startApi(env);
  const { arch, ver } = h.key;
  const submit = (n: string) =>
    postCompile(api.url, { arch, ver, output: 'so', source: `${bpfFixture('hello')}\n// ${n}\n` }, '', {
      signal: AbortSignal.timeout(10_000),
    });

  // One worker runs throughout: when Redis stops, some jobs are done, one is running, the rest wait.
  const worker = start(['worker', '--hive', h.hive, '--concurrency', '1'], {
    ...env,
    SURFHIVE_WORKER_LOCK_MS: '3000',
  });
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) {
    const r = await submit(`before-${i}`);
    t.equal(r.status, 202, `job ${i} accepted`);
    ids.push(((await r.json()) as { id: string }).id);
  }
  await sleep(300);

  await redis.stopOnly();
  const t0 = performance.now();
  const down = await submit('while-down');
  const ms = performance.now() - t0;
  t.equal(down.status, 503, 'refused while Redis is down');
  t.ok(down.headers.get('retry-after'), 'with Retry-After');
  t.match(await down.json(), { code: 'SURFHIVE_ERR_UNAVAILABLE' });
  t.ok(ms < 2_000, `failed fast (${Math.round(ms)} ms)`);
  const lookup = await fetch(`${api.url}/api/v1/kernels/${arch}/${ver}`);
  t.equal(lookup.status, 200, 'lookups do not need Redis');
  await sleep(1_000);
  t.equal(api.proc.child.exitCode, null, 'the API survived the outage');

  await redis.startAgain();
  const deadline = Date.now() + 90_000;
  for (const id of ids) {
    let status = '';
    while (status !== 'completed' && status !== 'failed' && Date.now() < deadline) {
      // Clients retry a 503: the API reconnects to Redis within a couple of seconds.
      const r = await fetch(`${api.url}/api/v1/compile/${id}?wait=10`).catch(() => undefined);
      status = r?.ok ? ((await r.json()) as { status: string }).status : 'error';
      if (status === 'error') await sleep(200);
    }
    t.equal(status, 'completed', `job ${id.slice(0, 8)} accepted before the restart completed`);
  }
  t.equal(worker.child.exitCode, null, 'the worker survived the outage');
  const after = await submit('after');
  t.equal(after.status, 202, 'submissions work again once Redis is back');
}

if (!existsSync('/sys/kernel/btf/vmlinux')) {
  t.plan(0, 'this kernel has no BTF: no local kernel to compile against');
} else {
  t.test(
    'Redis restarted mid-queue: accepted jobs complete, submissions while it is down fail fast',
    redisRestartMidQueue,
  );
}
