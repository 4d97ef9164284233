/** How an external tool is confined. Chosen by config; `exec` applies it. */
export type SandboxSpec =
  | { kind: 'none' }
  | {
      kind: 'bwrap';
      /** Host directories bound read-write at the same path (the job directory). */
      writable: string[];
      /** Host paths bound read-only at the same path, in addition to the toolchain (/usr, /lib*, /bin, /etc/alternatives). */
      readonly?: string[];
      /** The network stays unshared unless this is true. */
      network?: boolean;
      /** Host paths (files or directories) shown at another path inside the sandbox, e.g. a job dir as `/job`. */
      binds?: { source: string; dest: string; writable?: boolean }[];
      /** Working directory inside the sandbox; defaults to the tool's cwd. */
      chdir?: string;
      /**
       * Drop to an unprivileged account when the server is root and can (see unprivileged.ts),
       * so that the process limit binds.
       */
      unprivileged?: boolean;
    }
  | DockerSandbox;

/**
 * One throw-away container per tool run (see docker-options.ts): the image
 * holds the toolchain, only `binds` come from the host, the network is off
 * and the root file system read-only.
 */
export interface DockerSandbox {
  kind: 'docker';
  image: string;
  /** Host paths shown in the container; writable ones are the only places the tool can write (besides /tmp). */
  binds: { source: string; dest: string; writable?: boolean }[];
  /** Working directory inside the container. */
  workdir: string;
  /** `uid:gid` the tool runs as; never root. */
  user: string;
  /** CPUs the container may use (fractions allowed). Default 1. */
  cpus?: number;
  /** Processes the container may have. Default 256. */
  pids?: number;
  /** The container's CPU weight against other containers and host processes (docker's default 1024). */
  cpuShares?: number;
}

/** Resource limits applied with prlimit(1) around the tool. */
export interface ResourceLimits {
  cpuSeconds?: number;
  memoryBytes?: number;
  fileBytes?: number;
  processes?: number;
  openFiles?: number;
}

const TOOLCHAIN_RO = [
  '/usr',
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
];
const USR_LINKS = ['bin', 'sbin', 'lib', 'lib64', 'lib32'];

/**
 * The devices a compiler needs, and nothing else: no terminals (/dev/tty,
 * /dev/ptmx), whose reads block, and no shared memory.
 */
export const SANDBOX_DEVICES = ['null', 'zero', 'full', 'random', 'urandom'] as const;

function devArgs(): string[] {
  const args = ['--dir', '/dev'];
  for (const d of SANDBOX_DEVICES) args.push('--dev-bind', `/dev/${d}`, `/dev/${d}`);
  args.push('--symlink', '/proc/self/fd', '/dev/fd');
  return args;
}

export function bwrapArgs(spec: Extract<SandboxSpec, { kind: 'bwrap' }>, cwd: string | undefined): string[] {
  // No --new-session: the runner starts every tool as the leader of a session of its own already
  // (no controlling terminal to inject input into; stdio are pipes), whose CPU weight it lowers
  // (priority.ts). A second session inside would get a full-weight scheduling group of its own.
  const args = ['--die-with-parent', '--unshare-all', '--cap-drop', 'ALL'];
  if (spec.network) args.push('--share-net');
  for (const dir of TOOLCHAIN_RO) args.push('--ro-bind-try', dir, dir);
  for (const link of USR_LINKS) args.push('--symlink', `usr/${link}`, `/${link}`);
  args.push('--proc', '/proc', '--tmpfs', '/tmp', ...devArgs());
  for (const dir of spec.readonly ?? []) args.push('--ro-bind', dir, dir);
  for (const dir of spec.writable) args.push('--bind', dir, dir);
  for (const b of spec.binds ?? []) args.push(b.writable ? '--bind' : '--ro-bind', b.source, b.dest);
  const dir = spec.chdir ?? cwd;
  if (dir) args.push('--chdir', dir);
  args.push('--setenv', 'HOME', dir ?? '/tmp');
  return args;
}

export function prlimitArgs(limits: ResourceLimits): string[] {
  const args: string[] = [];
  if (limits.cpuSeconds !== undefined) args.push(`--cpu=${Math.ceil(limits.cpuSeconds)}`);
  if (limits.memoryBytes !== undefined) args.push(`--as=${limits.memoryBytes}`);
  if (limits.fileBytes !== undefined) args.push(`--fsize=${limits.fileBytes}`);
  if (limits.processes !== undefined) args.push(`--nproc=${limits.processes}`);
  if (limits.openFiles !== undefined) args.push(`--nofile=${limits.openFiles}`);
  return args;
}
