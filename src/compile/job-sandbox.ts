import type { SandboxSpec } from '../sandbox/sandbox-spec.js';

/** Where things appear inside the compile sandbox. Neutral names, so messages and debug info show no host path. */
export const SANDBOX_JOB = '/job';
export const SANDBOX_INCLUDE = '/lbc/include';

export interface JobMount {
  source: string;
  dest: string;
}

/**
 * A bubblewrap spec that shows the tool only the toolchain (/usr), the job
 * directory as /job (writable) and the given read-only mounts; no /etc, /home,
 * /root or other host files, no network.
 */
export function jobSandbox(jobDir: string, readonly: JobMount[]): SandboxSpec {
  return {
    kind: 'bwrap',
    writable: [],
    binds: [
      { source: jobDir, dest: SANDBOX_JOB, writable: true },
      ...readonly.map((m) => ({ source: m.source, dest: m.dest })),
    ],
    chdir: SANDBOX_JOB,
  };
}

/** Replaces host paths that might still appear in tool output with their in-sandbox names. */
export function scrubPaths(text: string, replacements: [string, string][]): string {
  let out = text;
  for (const [host, shown] of [...replacements].sort((a, b) => b[0].length - a[0].length))
    if (host.length > 1) out = out.split(host).join(shown);
  return out;
}
