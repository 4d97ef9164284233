import type { Arch } from '../hive/names.js';
import { type Confinement, type Mount, type SandboxPolicy, sandboxFor } from '../sandbox/policy.js';

/** Where things appear inside the compile sandbox. Neutral names, so messages and debug info show no host path. */
export const SANDBOX_JOB = '/job';
export const SANDBOX_INCLUDE = '/lbc/include';
/** Static libraries and the loader runtime for linking lbc.so. */
export const SANDBOX_STATIC = '/lbc/static';

/** A read-only mount of a compile step. */
export type JobMount = Omit<Mount, 'writable'>;

/**
 * The confinement of one compile step: the job directory as /job (writable),
 * lbc.h, libbpf's headers and vmlinux.h or the static libraries at their
 * neutral paths (see clang-run.ts), nothing else. The process's ToolRunner
 * turns it into bubblewrap or a container per its policy.
 */
export const jobConfinement = (jobDir: string, readonly: JobMount[], arch: Arch): Confinement => ({
  mounts: [{ source: jobDir, dest: SANDBOX_JOB, writable: true }, ...readonly],
  chdir: SANDBOX_JOB,
  arch,
});

/** The concrete sandbox of one compile step under a policy. */
export const jobSandbox = (jobDir: string, readonly: JobMount[], arch: Arch, policy: SandboxPolicy) =>
  sandboxFor(policy, jobConfinement(jobDir, readonly, arch));

/** Replaces host paths that might still appear in tool output with their in-sandbox names. */
export function scrubPaths(text: string, replacements: [string, string][]): string {
  let out = text;
  for (const [host, shown] of [...replacements].sort((a, b) => b[0].length - a[0].length))
    if (host.length > 1) out = out.split(host).join(shown);
  return out;
}
