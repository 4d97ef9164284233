import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { packageRoot } from '../../src/util/package-root.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  networks?: string[];
  healthcheck?: { test: string[] };
  profiles?: string[];
  deploy?: { replicas?: number };
  stop_grace_period?: string;
}

const compose = parse(readFileSync(path.join(packageRoot(), 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean } | null>;
  volumes: Record<string, unknown>;
};
const { services } = compose;
const running = Object.entries(services).filter(([, s]) => !s.profiles?.includes('build-only'));

t.test('only the API publishes a port', async (t) => {
  for (const [name, s] of running) {
    if (name === 'api') t.same(s.ports, ['7655:7655'], 'the API port');
    else t.notOk(s.ports, `${name} publishes nothing`);
  }
});

t.test('Redis: AOF on, noeviction, internal only, health-checked', async (t) => {
  const redis = services.redis!;
  const cmd = redis.command!.map(String);
  const opt = (name: string) => cmd[cmd.indexOf(name) + 1];
  t.equal(opt('--appendonly'), 'yes');
  t.ok(['always', 'everysec'].includes(opt('--appendfsync')!), 'AOF fsync policy set');
  t.equal(opt('--maxmemory-policy'), 'noeviction');
  t.notOk(redis.ports);
  t.same(redis.networks, ['internal']);
  t.ok(
    redis.volumes?.some((v) => v.endsWith(':/data')),
    'AOF on a volume',
  );
});

t.test('the internal network has no route out; workers and Redis are only on it', async (t) => {
  t.equal(compose.networks.internal?.internal, true);
  for (const [name, s] of running)
    if (name !== 'api') t.same(s.networks, ['internal'], `${name} is internal only`);
  t.ok(services.api!.networks?.includes('internal') && services.api!.networks.length === 2);
});

t.test('health checks on api, redis and worker', async (t) => {
  for (const name of ['api', 'redis', 'worker']) t.ok(services[name]?.healthcheck?.test?.length, name);
  t.match(services.api!.healthcheck!.test.join(' '), /\/readyz/);
  t.match(services.worker!.healthcheck!.test.join(' '), /worker-\$\$\(hostname\)\.alive/);
});

t.test('the hive lives on a named volume, mounted by the API only', async (t) => {
  const hive = services.api!.volumes!.find((v) => v.endsWith(':/var/lib/surfhive/hive'));
  t.ok(hive, 'api mounts the hive');
  const source = hive!.split(':')[0]!;
  t.ok(source in compose.volumes, `"${source}" is a named volume`);
  t.equal(services.api!.environment!.SURFHIVE_HIVE, '/var/lib/surfhive/hive');
  for (const [name, s] of running)
    if (name !== 'api')
      t.notOk(
        s.volumes?.some((v) => v.startsWith(`${source}:`)),
        `${name} has no hive`,
      );
});

t.test('workers: API URL, Redis, worker token, docker sandbox, no hive', async (t) => {
  const w = services.worker!;
  const env = w.environment!;
  t.equal(w.command?.[0], 'worker');
  t.equal(env.SURFHIVE_API_URL, 'http://api:7655');
  t.equal(env.REDIS_URL, 'redis://redis:6379');
  t.ok(env.SURFHIVE_WORKER_TOKEN, 'a worker token');
  t.notOk(env.SURFHIVE_HIVE, 'no hive setting');
  t.equal(env.SURFHIVE_SANDBOX, 'docker');
  t.match(env.SURFHIVE_SANDBOX_IMAGE, /\{arch\}/);
  t.ok((w.deploy?.replicas ?? 1) >= 2, 'N workers');
  // the engine binds job directories by host path: the work dir must be the same path on both sides
  const work = w.volumes!.find((v) => v.split(':')[1] === env.SURFHIVE_WORK_DIR);
  t.ok(work && work.split(':')[0] === env.SURFHIVE_WORK_DIR, 'work dir at the same path on the host');
  t.equal(services.api!.environment!.REDIS_URL, 'redis://redis:6379');
  t.ok(services.api!.environment!.SURFHIVE_WORKER_TOKEN_HASHES, 'the API knows the worker token hashes');
});

t.test('every variable the services set is one the config reads', async (t) => {
  const config = readFileSync(path.join(packageRoot(), 'src/config/config.ts'), 'utf8');
  const read = new Set([...config.matchAll(/env\.([A-Z_]+)/g)].map((m) => m[1]));
  for (const [name, s] of running)
    for (const key of Object.keys(s.environment ?? {}))
      if (key.startsWith('SURFHIVE_') || key === 'REDIS_URL') t.ok(read.has(key), `${name}: ${key}`);
});

t.test('stop grace periods outlast the drain deadline', async (t) => {
  for (const name of ['api', 'worker']) {
    const s = Number.parseInt(services[name]!.stop_grace_period ?? '10', 10);
    t.ok(s > 30, `${name}: ${s}s > 30s`);
  }
});
