import type { Arch } from '../hive/names.js';
import { sandboxUser } from '../sandbox/docker-options.js';
import type { SandboxSpec } from '../sandbox/sandbox-spec.js';

/** Where things appear inside the compile sandbox. Neutral names, so messages and debug info show no host path. */
export const SANDBOX_JOB = '/job';
export const SANDBOX_INCLUDE = '/lbc/include';
/** Static libraries and the loader runtime for linking lbc.so. */
export const SANDBOX_STATIC = '/lbc/static';

export interface JobMount {
  source: string;
  dest: string;
  /** Part of the toolchain: a docker sandbox image has it at `dest` already, so it is not bound in. */
  toolchain?: boolean;
}

/**
 * How compile steps are confined, chosen once per process from the configuration.
 * A docker image name may hold `{arch}`: the toolchain inside is per target arch.
 */
export type JobSandboxMode = { kind: 'bwrap' } | { kind: 'docker'; image: string };

/** The sandbox image for one target arch. */
export const sandboxImageFor = (image: string, arch: Arch) => image.replaceAll('{arch}', arch);

let mode: JobSandboxMode = { kind: 'bwrap' };

/** Called by the API (in-process pool) and by `surfhive worker` with SURFHIVE_SANDBOX / SURFHIVE_SANDBOX_IMAGE. */
export function setJobSandboxMode(next: JobSandboxMode): void {
  mode = next;
}

export const jobSandboxMode = (): JobSandboxMode => mode;

/**
 * The sandbox of one compile step. bubblewrap shows the tool only the toolchain
 * (/usr), the job directory as /job (writable) and the given read-only mounts;
 * docker runs it in a container of the sandbox image, which holds the toolchain
 * mounts at the same neutral paths, with only the job directory and the
 * per-job files (vmlinux.h) bound in. Neither has a network.
 */
export function jobSandbox(
  jobDir: string,
  readonly: JobMount[],
  arch: Arch,
  using: JobSandboxMode = mode,
): SandboxSpec {
  if (using.kind === 'docker') {
    return {
      kind: 'docker',
      image: sandboxImageFor(using.image, arch),
      binds: [
        { source: jobDir, dest: SANDBOX_JOB, writable: true },
        ...readonly.filter((m) => !m.toolchain).map((m) => ({ source: m.source, dest: m.dest })),
      ],
      workdir: SANDBOX_JOB,
      user: sandboxUser(),
    };
  }
  return {
    kind: 'bwrap',
    writable: [],
    binds: [
      { source: jobDir, dest: SANDBOX_JOB, writable: true },
      ...readonly.map((m) => ({ source: m.source, dest: m.dest })),
    ],
    chdir: SANDBOX_JOB,
    unprivileged: true,
  };
}

/** Replaces host paths that might still appear in tool output with their in-sandbox names. */
export function scrubPaths(text: string, replacements: [string, string][]): string {
  let out = text;
  for (const [host, shown] of [...replacements].sort((a, b) => b[0].length - a[0].length))
    if (host.length > 1) out = out.split(host).join(shown);
  return out;
}
