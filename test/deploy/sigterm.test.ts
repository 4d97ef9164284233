import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { ensureCli } from '../helpers/cli.js';
import { localHive } from '../helpers/local-hive.js';
import { startRedis } from '../helpers/redis.js';
import { sharedPath } from '../helpers/shared.js';
import { type Proc, sleep, startApi, startCli, until } from './helpers/procs.js';

const fixture = (name: string) => readFileSync(sharedPath('fixtures/bpf', `${name}.bpf.c`), 'utf8');

async function apiDrains(t: Test) {
  const cli = await ensureCli();
  const h = await localHive();
  const procs: Proc[] = [];
  t.teardown(() => {
    for (const p of procs) p.kill();
    h.cleanup();
  });
  // No Redis: the in-process pool compiles, so the in-flight request is a real compile.
  const api = await startApi(cli, h.hive, { SURFHIVE_SHUTDOWN_DEADLINE_MS: '20000' });
  procs.push(api.proc);
  const { arch, ver } = h.key;
  const inflight = fetch(`${api.url}/api/v1/compile?wait=30`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      arch,
      ver,
      output: 'so',
      source: `${fixture('call_stack')}\n// ${randomUUID()}\n`,
    }),
  });
  await sleep(150);
  const t0 = performance.now();
  api.proc.kill('SIGTERM');
  await sleep(100);
  const refused = await fetch(`${api.url}/healthz`, { signal: AbortSignal.timeout(3_000) }).then(
    (r) => r.status,
    (e: Error) => (e.cause as { code?: string } | undefined)?.code ?? e.message,
  );
  t.ok(refused === 'ECONNREFUSED' || refused === 503, `a new request is refused (${refused})`);
  const res = await inflight;
  t.equal(res.status, 200, 'the in-flight compile request finished');
  t.match(await res.json(), { status: 'completed' });
  const exit = await api.proc.exited;
  const ms = performance.now() - t0;
  t.same(exit, { code: 0, signal: null }, 'exited cleanly');
  t.ok(ms < 20_000, `before the deadline (${Math.round(ms)} ms)`);
  t.match(api.proc.output(), /shutting down: draining requests/);
}

async function workerDrains(t: Test) {
  const cli = await ensureCli();
  const redis = await startRedis();
  const h = await localHive();
  const prefix = `test-${randomUUID()}`;
  const procs: Proc[] = [];
  t.teardown(async () => {
    for (const p of procs) p.kill();
    await redis.stop();
    h.cleanup();
  });
  const env = { REDIS_URL: redis.url, SURFHIVE_QUEUE_PREFIX: prefix, SURFHIVE_LOG_LEVEL: 'info' };
  const api = await startApi(cli, h.hive, { ...env, SURFHIVE_LOG_LEVEL: 'warn' });
  procs.push(api.proc);
  const worker = startCli(cli, ['worker', '--hive', h.hive, '--concurrency', '1'], {
    ...env,
    SURFHIVE_SHUTDOWN_DEADLINE_MS: '20000',
  });
  procs.push(worker);
  const { arch, ver } = h.key;
  const submitted = await fetch(`${api.url}/api/v1/compile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      arch,
      ver,
      output: 'so',
      source: `${fixture('call_stack')}\n// ${randomUUID()}\n`,
    }),
  });
  const { id } = (await submitted.json()) as { id: string };
  const state = await until(
    async () =>
      ((await (await fetch(`${api.url}/api/v1/compile/${id}`)).json()) as { status: string }).status,
    (s) => s !== 'waiting',
    20_000,
    10,
  );
  t.equal(state, 'active', 'the job is running on the worker');
  worker.kill('SIGTERM');
  const exit = await worker.exited;
  t.same(exit, { code: 0, signal: null }, 'the worker exited cleanly after draining');
  t.match(worker.output(), /draining: finishing running jobs/);
  const done = await fetch(`${api.url}/api/v1/compile/${id}`);
  t.match(await done.json(), { status: 'completed' }, 'its running job finished before it exited');
}

if (!existsSync('/sys/kernel/btf/vmlinux')) {
  t.plan(0, 'this kernel has no BTF: no local kernel to compile against');
} else {
  t.test(
    'SIGTERM on the API: the in-flight request finishes, new ones are refused, exit before the deadline',
    apiDrains,
  );
  t.test('SIGTERM on a worker: its running job finishes, then it exits', workerDrains);
}
