import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import t, { type Test } from 'tap';
import { bpfFixture } from '../helpers/fixtures.js';
import { sleep, until } from './helpers/procs.js';
import { hiveStack, postCompile, queueStack } from './helpers/stack.js';

/** A compile of a unique source, so that it is never answered from the cache. */
const uniqueCompile = (arch: string, ver: string) => ({
  arch,
  ver,
  output: 'so',
  source: `${bpfFixture('call_stack')}\n// ${randomUUID()}\n`,
});

async function apiDrains(t: Test) {
  const { h, startApi } = await hiveStack(t);
  // No Redis: the in-process pool compiles, so the in-flight request is a real compile.
  const api = await startApi({ SURFHIVE_SHUTDOWN_DEADLINE_MS: '20000' });
  const { arch, ver } = h.key;
  const inflight = postCompile(api.url, uniqueCompile(arch, ver), '?wait=30');
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
  const { h, queueEnv, startApi, start } = await queueStack(t);
  const env = { ...queueEnv, SURFHIVE_LOG_LEVEL: 'info' };
  const api = await startApi({ ...env, SURFHIVE_LOG_LEVEL: 'warn' });
  const worker = start(['worker', '--hive', h.hive, '--concurrency', '1'], {
    ...env,
    SURFHIVE_SHUTDOWN_DEADLINE_MS: '20000',
  });
  const { arch, ver } = h.key;
  const submitted = await postCompile(api.url, uniqueCompile(arch, ver));
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
