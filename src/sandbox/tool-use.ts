import type { ToolRunner } from './exec.js';

/**
 * How a pipeline step runs its tools: the process's one runner (its sandbox policy comes from
 * the configuration), and the job's deadline and abort signal if any. Always passed in: no step
 * picks a sandbox of its own.
 */
export interface ToolUse {
  runner: ToolRunner;
  signal?: AbortSignal | undefined;
  /** performance.now() past which no tool may run (a job's wall-clock deadline). */
  deadline?: number | undefined;
}

/** A tool's timeout: its own, cut to what is left before the job's deadline. */
export function toolTimeout(use: ToolUse, ownMs: number): number {
  if (use.deadline === undefined) return ownMs;
  return Math.max(1, Math.min(ownMs, Math.floor(use.deadline - performance.now())));
}
