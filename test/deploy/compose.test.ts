import { existsSync, readFileSync } from 'node:fs';
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
  cap_drop?: string[];
  security_opt?: string[];
  group_add?: string[];
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
    if (name === 'api')
      t.match(s.ports, [/^\$\{SURFHIVE_PUBLISH:-7655\}:7655$/], 'the API port, 7655 by default');
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

t.test('workers: API URL, Redis, worker token, bubblewrap in their own container, no hive', async (t) => {
  const w = services.worker!;
  const env = w.environment!;
  t.equal(w.command?.[0], 'worker');
  t.equal(env.SURFHIVE_API_URL, 'http://api:7655');
  t.equal(env.REDIS_URL, 'redis://redis:6379');
  t.ok(env.SURFHIVE_WORKER_TOKEN, 'a worker token');
  t.notOk(env.SURFHIVE_HIVE, 'no hive setting');
  t.equal(env.SURFHIVE_SANDBOX, 'bwrap');
  t.ok((w.deploy?.replicas ?? 1) >= 2, 'N workers');
  t.same(w.build, services.api!.build, 'built like the API, never pulled');
  t.equal(w.image, services.api!.image);
  t.notOk(w.volumes, 'no host socket, no host directory');
  t.notOk(w.group_add, 'no extra groups');
  t.same(w.cap_drop, ['ALL']);
  const seccomp = w.security_opt?.find((o) => o.startsWith('seccomp='))?.slice('seccomp='.length);
  t.ok(
    seccomp && existsSync(path.join(packageRoot(), seccomp)),
    `seccomp profile ${seccomp} is in the repository`,
  );
  t.ok(w.security_opt?.includes('no-new-privileges:true'));
  t.equal(services.api!.environment!.REDIS_URL, 'redis://redis:6379');
  t.ok(services.api!.environment!.SURFHIVE_WORKER_TOKEN_HASHES, 'the API knows the worker token hashes');
});

t.test('the Docker sandbox is an opt-in overlay that states its threat', async (t) => {
  const text = readFileSync(path.join(packageRoot(), 'compose.docker-sandbox.yaml'), 'utf8');
  const overlay = parse(text) as { services: Record<string, Service> };
  const w = overlay.services.worker!;
  t.equal(w.environment!.SURFHIVE_SANDBOX, 'docker');
  t.match(w.environment!.SURFHIVE_SANDBOX_IMAGE, /\{arch\}/);
  t.ok(w.volumes?.includes('/var/run/docker.sock:/var/run/docker.sock'));
  // the engine binds job directories by host path: the work dir must be the same path on both sides
  t.ok(w.volumes?.includes('/var/lib/surfhive/work:/var/lib/surfhive/work'), 'work dir at the same path');
  t.match(w.group_add?.[0], /^\$\{DOCKER_GID:\?/, 'the docker group id must be given, never guessed');
  t.match(text, /THREAT:[\s\S]*root on the host/, 'the threat is written next to the setting');
  for (const arch of ['x86_64', 'aarch64'])
    t.same(overlay.services[`sandbox-${arch}`]?.profiles, ['build-only'], `sandbox-${arch} is build-only`);
});

t.test('every variable the services set is one the config reads', async (t) => {
  const config = readFileSync(path.join(packageRoot(), 'src/config/config.ts'), 'utf8');
  const read = new Set([...config.matchAll(/(?:env\.|v\(')([A-Z_]+)/g)].map((m) => m[1]));
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
