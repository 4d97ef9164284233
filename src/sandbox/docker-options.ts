import type { ContainerCreateOptions } from 'dockerode';
import type { DockerSandbox, ResourceLimits } from './sandbox-spec.js';

/** Memory a container gets when the step sets no limit. */
const DEFAULT_MEMORY = 2 * 1024 * 1024 * 1024;
const NOBODY = '65534:65534';

/** The `uid:gid` a docker sandbox runs as: this process's own, except that root becomes nobody. */
export function sandboxUser(uid = process.getuid?.() ?? 65534, gid = process.getgid?.() ?? 65534): string {
  return uid === 0 ? NOBODY : `${uid}:${gid}`;
}

const BIND_SAFE = /^\/[^:,\0]*$/;

/**
 * The container a tool runs in, as a pure function of the spec: no network, a
 * read-only root, only the writable binds (and a small /tmp) writable, every
 * capability dropped, no privilege gain, never root, and memory, pids, CPU,
 * file size and open-file limits.
 */
export function dockerCreateOptions(
  cmd: string,
  args: string[],
  spec: DockerSandbox,
  opts: { env?: Record<string, string>; limits?: ResourceLimits; stdin?: boolean } = {},
): ContainerCreateOptions {
  const user = spec.user.startsWith('0:') || spec.user === '0' || spec.user === 'root' ? NOBODY : spec.user;
  for (const b of spec.binds)
    if (!BIND_SAFE.test(b.source) || !BIND_SAFE.test(b.dest))
      throw new Error('docker sandbox bind paths must be absolute and contain no ":" or ","');
  const limits = opts.limits ?? {};
  const ulimits: { Name: string; Soft: number; Hard: number }[] = [];
  const ulimit = (Name: string, v: number | undefined) => {
    if (v !== undefined) ulimits.push({ Name, Soft: v, Hard: v });
  };
  ulimit('fsize', limits.fileBytes);
  ulimit('nofile', limits.openFiles ?? 1024);
  ulimit('cpu', limits.cpuSeconds === undefined ? undefined : Math.ceil(limits.cpuSeconds));
  const memory = limits.memoryBytes ?? DEFAULT_MEMORY;
  return {
    Image: spec.image,
    Cmd: [cmd, ...args],
    Entrypoint: [],
    WorkingDir: spec.workdir,
    User: user,
    Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Tty: false,
    AttachStdin: opts.stdin === true,
    OpenStdin: opts.stdin === true,
    StdinOnce: opts.stdin === true,
    AttachStdout: true,
    AttachStderr: true,
    NetworkDisabled: true,
    Labels: { 'surfhive.sandbox': '1' },
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Binds: spec.binds.map((b) => `${b.source}:${b.dest}:${b.writable ? 'rw' : 'ro'}`),
      Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=64m' },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      Memory: memory,
      MemorySwap: memory,
      PidsLimit: spec.pids ?? 256,
      NanoCpus: Math.round((spec.cpus ?? 1) * 1e9),
      ...(spec.cpuShares ? { CpuShares: spec.cpuShares } : {}),
      Ulimits: ulimits,
      AutoRemove: false,
      IpcMode: 'none',
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}
