import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { ensureCli } from '../../helpers/cli.js';
import { localHive } from '../../helpers/local-hive.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { type Proc, startApi, startCli } from './procs.js';

type Hive = Awaited<ReturnType<typeof localHive>>;

/** The built CLI and a hive holding this machine's kernel, for one test. */
export interface Stack {
  cli: string;
  h: Hive;
  /** `surfhive serve` on this hive (see `startApi`); killed at teardown. */
  startApi(env: Record<string, string>): ReturnType<typeof startApi>;
  /** `node <cli> ...args` (see `startCli`); killed at teardown. */
  start(args: string[], env: Record<string, string>): Proc;
}

/** A stack with a fresh Redis and a queue prefix of the test's own. */
export interface QueueStack extends Stack {
  redis: TestRedis;
  /** REDIS_URL and SURFHIVE_QUEUE_PREFIX, for the API and its workers. */
  queueEnv: { REDIS_URL: string; SURFHIVE_QUEUE_PREFIX: string };
}

/** At teardown: the processes started through the stack are killed, then Redis stops, then the hive goes. */
async function stack(t: Test, withRedis: boolean): Promise<Stack & { redis?: TestRedis }> {
  const cli = await ensureCli();
  const redis = withRedis ? await startRedis() : undefined;
  const h = await localHive();
  const procs: Proc[] = [];
  t.teardown(async () => {
    for (const p of procs) p.kill();
    await redis?.stop();
    h.cleanup();
  });
  const keep = (p: Proc) => {
    procs.push(p);
    return p;
  };
  return {
    cli,
    h,
    redis,
    startApi: async (env) => {
      const api = await startApi(cli, h.hive, env);
      keep(api.proc);
      return api;
    },
    start: (args, env) => keep(startCli(cli, args, env)),
  };
}

export const hiveStack = (t: Test): Promise<Stack> => stack(t, false);

export async function queueStack(t: Test): Promise<QueueStack> {
  const { redis, ...s } = await stack(t, true);
  return {
    ...s,
    redis: redis!,
    queueEnv: { REDIS_URL: redis!.url, SURFHIVE_QUEUE_PREFIX: `test-${randomUUID()}` },
  };
}

/** POST /api/v1/compile with a JSON body; `query` such as `?wait=30`. */
export const postCompile = (apiUrl: string, body: object, query = '', init: RequestInit = {}) =>
  fetch(`${apiUrl}/api/v1/compile${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...init,
  });
