import { ToolRunner } from './exec.js';

/** How a pipeline step runs its tools: the process's runner, and the job's deadline and abort signal if any. */
export interface ToolUse {
  runner: ToolRunner;
  signal?: AbortSignal;
  /** performance.now() past which no tool may run (a job's wall-clock deadline). */
  deadline?: number;
}

/** The policy of callers that have no configured runner (tests, one-off CLI runs): bubblewrap. */
export const BWRAP_TOOLS: ToolUse = Object.freeze({ runner: new ToolRunner({ kind: 'bwrap' }) });

/** A tool's timeout: its own, cut to what is left before the job's deadline. */
export function toolTimeout(use: ToolUse, ownMs: number): number {
  if (use.deadline === undefined) return ownMs;
  return Math.max(1, Math.min(ownMs, Math.floor(use.deadline - performance.now())));
}
