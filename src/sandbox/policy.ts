import type { Arch } from '../hive/names.js';
import { sandboxUser } from './docker-options.js';
import { cpuSharesFor } from './priority.js';
import type { SandboxSpec } from './sandbox-spec.js';

/**
 * How every tool that reads untrusted input is confined, chosen once from the
 * configuration (SURFHIVE_SANDBOX) and held by the process's ToolRunner.
 * A docker image name may hold `{arch}`: the toolchain inside is per target arch.
 * `nice` (SURFHIVE_TOOL_NICE) is the CPU niceness of every tool, builder process and
 * builder thread started under the policy (a docker container gets the matching CPU weight).
 */
export type SandboxPolicy = ({ kind: 'bwrap' } | { kind: 'docker'; image: string }) & { nice?: number };

export const policyFromConfig = (c: {
  sandbox: 'bwrap' | 'docker';
  sandboxImage: string;
  toolNice: number;
}): SandboxPolicy =>
  c.sandbox === 'docker'
    ? { kind: 'docker', image: c.sandboxImage, nice: c.toolNice }
    : { kind: 'bwrap', nice: c.toolNice };

/** The sandbox image for one target arch. */
export const sandboxImageFor = (image: string, arch: Arch) => image.replaceAll('{arch}', arch);

/** A stable name of the policy for one arch (part of cache keys of files built inside it). */
export const policyId = (p: SandboxPolicy, arch: Arch) =>
  p.kind === 'docker' ? `docker:${sandboxImageFor(p.image, arch)}` : 'bwrap';

export interface Mount {
  source: string;
  dest: string;
  writable?: boolean;
  /** Part of the toolchain: a docker sandbox image has it at `dest` already, so it is not bound in. */
  toolchain?: boolean;
}

/**
 * What one tool run needs to see, independent of how it is confined: its
 * mounts and its working directory inside the sandbox. Nothing else of the
 * host but the toolchain (/usr) is visible, and there is no network.
 */
export interface Confinement {
  mounts: Mount[];
  /** Working directory inside the sandbox. */
  chdir: string;
  /** Target arch (picks the docker image); defaults to the host's. */
  arch?: Arch;
}

const hostArch = (): Arch => (process.arch === 'arm64' ? 'aarch64' : 'x86_64');

/** The concrete sandbox of one run under a policy. bubblewrap drops to nobody when a root server can. */
export function sandboxFor(policy: SandboxPolicy, c: Confinement): SandboxSpec {
  if (policy.kind === 'docker') {
    return {
      kind: 'docker',
      image: sandboxImageFor(policy.image, c.arch ?? hostArch()),
      binds: c.mounts
        .filter((m) => !m.toolchain)
        .map((m) => ({ source: m.source, dest: m.dest, ...(m.writable ? { writable: true } : {}) })),
      workdir: c.chdir,
      user: sandboxUser(),
      ...(policy.nice ? { cpuShares: cpuSharesFor(policy.nice) } : {}),
    };
  }
  return {
    kind: 'bwrap',
    writable: [],
    binds: c.mounts.map((m) => ({
      source: m.source,
      dest: m.dest,
      ...(m.writable ? { writable: true } : {}),
    })),
    chdir: c.chdir,
    unprivileged: true,
  };
}
