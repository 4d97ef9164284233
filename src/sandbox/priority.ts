import os from 'node:os';

/**
 * CPU priority of the work the server starts for its clients (tools, builder processes, `ko`
 * threads): with it lower than the server's own, the event loop that answers every client wins
 * the CPU against the work any one client started (SURFHIVE_TOOL_NICE).
 */

/** The niceness to give: the configured one, or the caller's own if that is lower already (never raised). */
const target = (nice: number) => Math.max(nice, os.getPriority(0));

/**
 * Sets a started process's niceness, right after spawn (no wrapper command, so a tool that cannot
 * start still fails as itself). Children it forks later inherit it. A process already gone is
 * left alone.
 */
export function lowerProcessPriority(pid: number | undefined, nice: number | undefined): void {
  if (pid === undefined || nice === undefined || nice <= 0) return;
  try {
    os.setPriority(pid, target(nice));
  } catch {
    // gone already (ESRCH): nothing left to lower
  }
}

/**
 * Lowers the calling thread (on Linux, setpriority on pid 0 acts on the calling thread only):
 * a worker thread calls it first thing; processes it spawns inherit it.
 */
export function lowerThisThread(nice: number | undefined): void {
  if (nice === undefined || nice <= 0) return;
  try {
    os.setPriority(0, target(nice));
  } catch {
    // not permitted: the thread keeps the server's priority
  }
}

/**
 * A docker container's CPU weight for a niceness: the kernel's weight ratio of nice 0 to nice N
 * (about 1.25 per step) applied to docker's default of 1024.
 */
export const cpuSharesFor = (nice: number | undefined): number | undefined =>
  nice === undefined || nice <= 0 ? undefined : Math.max(2, Math.round(1024 / 1.25 ** nice));
