import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

/**
 * CPU priority of the work the server starts for its clients (tools, builder processes, `ko`
 * threads): with it lower than the server's own, the event loop that answers every client wins
 * the CPU against the work any one client started (SURFHIVE_TOOL_NICE).
 *
 * A process's niceness alone is not enough where the kernel schedules by session ("autogroup",
 * kernel.sched_autogroup_enabled, for processes outside any CPU cgroup: a server started from a
 * shell, not by systemd or in a container): every session then gets an equal share first, and
 * niceness only orders the processes inside one session. Every tool runs in a session of its own
 * (its process group is killed as a whole), so its session's weight is lowered as well.
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
  lowerTree(pid, target(nice));
  lowerSessionGroup(pid, nice);
}

/**
 * Lowers a process, then the children it has forked already (bubblewrap may fork its tool
 * before the niceness is set), and theirs: a child forked after its parent was lowered inherits.
 */
function lowerTree(pid: number, value: number): void {
  try {
    os.setPriority(pid, value);
  } catch {
    return; // gone already (ESRCH): nothing left to lower
  }
  for (const child of childrenOf(pid)) lowerTree(child, value);
}

/** The children of every thread of a process (/proc/<pid>/task/<tid>/children); none once it is gone. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** `/autogroup-N nice X` of a process; undefined without autogroup support or once it is gone. */
const autogroupOf = (pid: number | 'self') => {
  try {
    return /^(\/autogroup-\d+) nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8'));
  } catch {
    return undefined;
  }
};

/**
 * Lowers the autogroup of a process that leads a session of its own. Never the caller's own
 * group: a process started in the server's session (a builder process) shares the server's.
 * A server that never left init's session (started by an init or agent that does not call
 * setsid) shows no group of its own: it runs in the kernel's default group, at nice 0.
 */
function lowerSessionGroup(pid: number, nice: number): void {
  const theirs = autogroupOf(pid);
  const ours = autogroupOf('self');
  if (!theirs || theirs[1] === ours?.[1]) return;
  const want = Math.max(nice, Number(ours?.[2] ?? 0));
  if (Number(theirs[2]) >= want) return;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(want));
  } catch {
    // gone meanwhile, or not permitted: the session keeps its weight
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
