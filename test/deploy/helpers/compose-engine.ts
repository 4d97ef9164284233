import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { parse } from 'yaml';

/**
 * A Compose file started through the engine API, for hosts without Compose v2. It does what
 * `docker compose up` does for the keys it knows and refuses any other key, so that a test
 * starts exactly what the file declares: project-scoped networks (with `internal`) and volumes,
 * `deploy.replicas` containers per service, each reachable by its service name, with its
 * command, environment, ports, volumes, capabilities, security options, health check, stop
 * grace period and restart policy, started in `depends_on` order with its conditions.
 */

interface Healthcheck {
  test: string[];
  interval?: string;
  timeout?: string;
  start_period?: string;
  retries?: number;
}

interface BuildSpec {
  context: string;
  dockerfile?: string;
  args?: Record<string, string>;
  secrets?: string[];
}

export interface ComposeService {
  image: string;
  build?: string | BuildSpec;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  networks?: string[];
  depends_on?: Record<string, { condition: 'service_started' | 'service_healthy' }>;
  healthcheck?: Healthcheck;
  cap_drop?: string[];
  security_opt?: string[];
  group_add?: string[];
  deploy?: { replicas?: number };
  stop_grace_period?: string;
  restart?: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  profiles?: string[];
}

export interface ComposeFile {
  name: string;
  services: Record<string, ComposeService>;
  networks: Record<string, { internal?: boolean } | null>;
  volumes: Record<string, unknown>;
  secrets?: Record<string, { file: string }>;
}

const SERVICE_KEYS = new Set([
  'image',
  'build',
  'command',
  'environment',
  'ports',
  'volumes',
  'networks',
  'depends_on',
  'healthcheck',
  'cap_drop',
  'security_opt',
  'group_add',
  'deploy',
  'stop_grace_period',
  'restart',
  'profiles',
]);

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, $$. */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g,
    (all, name, colon, op, arg) => {
      if (all === '$$') return '$';
      const value = env[name as string];
      const unset = value === undefined || (colon === ':' && value === '');
      if (op === '-') return unset ? (arg as string) : (value as string);
      if (op === '?' && unset) throw new Error(`compose: ${name}: ${arg}`);
      return value ?? '';
    },
  );
}

function interpolateAll(v: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof v === 'string') return interpolate(v, env);
  if (Array.isArray(v)) return v.map((x) => interpolateAll(x, env));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolateAll(x, env)]));
  return v;
}

/** Reads, merges (<<) and interpolates a compose file; refuses service keys this runner does not apply. */
export function loadCompose(file: string, env: Record<string, string | undefined>): ComposeFile {
  const raw = parse(readFileSync(file, 'utf8'), { merge: true }) as Record<string, unknown>;
  const doc = interpolateAll(
    Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('x-'))),
    env,
  ) as ComposeFile;
  for (const [name, s] of Object.entries(doc.services))
    for (const key of Object.keys(s))
      if (!SERVICE_KEYS.has(key))
        throw new Error(`compose: service ${name}: ${key} is not applied by this runner`);
  return doc;
}

/** Go duration strings as Compose writes them (1m30s, 40s, 500ms) in nanoseconds. */
export function durationNs(d: string | undefined): number | undefined {
  if (d === undefined) return undefined;
  const units: Record<string, number> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, ns: 1 };
  let total = 0;
  for (const m of d.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/g)) total += Number(m[1]) * units[m[2]!]!;
  return total;
}

const running = (doc: ComposeFile) =>
  Object.entries(doc.services).filter(([, s]) => !s.profiles || s.profiles.length === 0);

/** Services in an order where every service comes after what it depends on. */
function startOrder(doc: ComposeFile): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    for (const dep of Object.keys(doc.services[name]!.depends_on ?? {})) visit(dep);
    order.push(name);
  };
  for (const [name] of running(doc)) visit(name);
  return order;
}

/** Builds every image a running service builds, with the docker CLI (BuildKit, for build secrets). */
export async function buildImages(doc: ComposeFile, projectDir: string, docker = 'docker'): Promise<void> {
  const done = new Set<string>();
  for (const [, s] of running(doc)) {
    if (!s.build || done.has(s.image)) continue;
    done.add(s.image);
    const b: BuildSpec = typeof s.build === 'string' ? { context: s.build } : s.build;
    const args = [
      'build',
      '-q',
      '-t',
      s.image,
      '-f',
      path.join(projectDir, b.context, b.dockerfile ?? 'Dockerfile'),
    ];
    for (const [k, v] of Object.entries(b.args ?? {})) args.push('--build-arg', `${k}=${v}`);
    for (const id of b.secrets ?? []) {
      const file = doc.secrets?.[id]?.file;
      if (!file) throw new Error(`compose: build secret ${id} is not declared`);
      args.push('--secret', `id=${id},src=${path.resolve(projectDir, file)}`);
    }
    args.push(path.join(projectDir, b.context));
    await new Promise<void>((resolve, reject) => {
      const p = spawn(docker, args, {
        env: { ...process.env, DOCKER_BUILDKIT: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      p.stderr.on('data', (d: Buffer) => {
        err = (err + d.toString()).slice(-4000);
      });
      p.on('error', reject);
      p.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`docker build ${s.image}: ${err}`)),
      );
    });
  }
}

export interface Project {
  name: string;
  /** Container names per service, in replica order. */
  containers: Record<string, string[]>;
  network(name: string): string;
  /** Starts a service's stopped containers again and waits for its condition (healthy when it has a check). */
  waitFor(
    service: string,
    condition: 'service_started' | 'service_healthy',
    timeoutMs?: number,
  ): Promise<void>;
  down(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * security_opt as the docker CLI and Compose hand it to the engine: a seccomp profile by content,
 * not by path, and systempaths=unconfined as empty masked and read-only path lists.
 */
function securityOpts(opts: string[] | undefined, projectDir: string) {
  const list = opts ?? [];
  const unconfined = list.includes('systempaths=unconfined');
  return {
    SecurityOpt: list
      .filter((o) => o !== 'systempaths=unconfined')
      .map((o) =>
        o.startsWith('seccomp=') && o !== 'seccomp=unconfined'
          ? `seccomp=${JSON.stringify(JSON.parse(readFileSync(path.resolve(projectDir, o.slice(8)), 'utf8')))}`
          : o.replace(/^no-new-privileges:true$/, 'no-new-privileges'),
      ),
    ...(unconfined && { MaskedPaths: [], ReadonlyPaths: [] }),
  };
}

function portBindings(ports: string[] | undefined) {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of ports ?? []) {
    const parts = p.split(':');
    const target = `${parts.at(-1)}/tcp`;
    const hostPort = parts.at(-2) ?? '';
    const hostIp = parts.length === 3 ? parts[0]! : '';
    exposed[target] = {};
    bindings[target] = [...(bindings[target] ?? []), { HostIp: hostIp, HostPort: hostPort }];
  }
  return { exposed, bindings };
}

/** `docker compose -p <project> up -d` for the file's running services; resolves once all are up and healthy. */
export async function composeUp(
  docker: Docker,
  doc: ComposeFile,
  opts: { project: string; projectDir: string; timeoutMs?: number },
): Promise<Project> {
  const { project, projectDir } = opts;
  const labels = { 'com.docker.compose.project': project };
  const net = (n: string) => `${project}_${n}`;
  const containers: Record<string, string[]> = {};
  const down = async () => {
    const all = await docker.listContainers({
      all: true,
      filters: { label: [`com.docker.compose.project=${project}`] },
    });
    await Promise.all(
      all.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined),
      ),
    );
    for (const n of Object.keys(doc.networks ?? {}))
      await docker
        .getNetwork(net(n))
        .remove()
        .catch(() => undefined);
    for (const v of Object.keys(doc.volumes ?? {}))
      await docker
        .getVolume(net(v))
        .remove()
        .catch(() => undefined);
  };
  const health = async (name: string) => {
    const info = await docker.getContainer(name).inspect();
    return { running: info.State.Running, health: info.State.Health?.Status };
  };
  const waitFor: Project['waitFor'] = async (service, condition, timeoutMs = opts.timeoutMs ?? 180_000) => {
    const names = containers[service] ?? [];
    const wanted = condition === 'service_healthy' && doc.services[service]?.healthcheck;
    for (const end = Date.now() + timeoutMs; ; ) {
      const states = await Promise.all(names.map(health));
      if (states.every((s) => s.running && (!wanted || s.health === 'healthy'))) return;
      if (Date.now() > end)
        throw new Error(`${service}: not ${condition} after ${timeoutMs} ms: ${JSON.stringify(states)}`);
      await sleep(500);
    }
  };
  try {
    for (const [n, spec] of Object.entries(doc.networks ?? {}))
      await docker.createNetwork({
        Name: net(n),
        Internal: spec?.internal === true,
        Labels: labels,
        CheckDuplicate: true,
      });
    for (const v of Object.keys(doc.volumes ?? {}))
      await docker.createVolume({ Name: net(v), Labels: labels });
    for (const service of startOrder(doc)) {
      const s = doc.services[service]!;
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) await waitFor(dep, condition);
      const { exposed, bindings } = portBindings(s.ports);
      const networks = s.networks ?? ['default'];
      const hc = s.healthcheck;
      containers[service] = [];
      for (let i = 1; i <= (s.deploy?.replicas ?? 1); i++) {
        const name = `${project}-${service}-${i}`;
        const c = await docker.createContainer({
          name,
          Image: s.image,
          ...(s.command && { Cmd: s.command }),
          Env: Object.entries(s.environment ?? {}).map(([k, v]) => `${k}=${v}`),
          Labels: { ...labels, 'com.docker.compose.service': service },
          ExposedPorts: exposed,
          ...(s.stop_grace_period && { StopTimeout: Math.round(durationNs(s.stop_grace_period)! / 1e9) }),
          ...(hc && {
            Healthcheck: {
              Test: hc.test,
              Interval: durationNs(hc.interval),
              Timeout: durationNs(hc.timeout),
              StartPeriod: durationNs(hc.start_period),
              Retries: hc.retries,
            },
          }),
          HostConfig: {
            Binds: (s.volumes ?? []).map((v) => {
              const [src, ...rest] = v.split(':');
              return [src!.startsWith('/') ? src : net(src!), ...rest].join(':');
            }),
            PortBindings: bindings,
            CapDrop: s.cap_drop,
            ...securityOpts(s.security_opt, projectDir),
            GroupAdd: s.group_add,
            NetworkMode: net(networks[0]!),
            RestartPolicy: { Name: s.restart ?? 'no' },
          },
          NetworkingConfig: { EndpointsConfig: { [net(networks[0]!)]: { Aliases: [service] } } },
        });
        for (const n of networks.slice(1))
          await docker
            .getNetwork(net(n))
            .connect({ Container: c.id, EndpointConfig: { Aliases: [service] } });
        await c.start();
        containers[service].push(name);
      }
    }
    for (const service of Object.keys(containers)) await waitFor(service, 'service_healthy');
  } catch (err) {
    await down();
    throw err;
  }
  return { name: project, containers, network: net, waitFor, down };
}
