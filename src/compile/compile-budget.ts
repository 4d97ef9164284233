import os from 'node:os';
import type { ResourceLimits } from '../sandbox/sandbox-spec.js';
import { CompileFailure } from './outcome.js';

/** Processes the sandbox account may run at once, all jobs together (it binds when the sandbox drops to nobody). */
export const COMPILE_PROCESSES = 256;

/** The bounds of one compile job (SURFHIVE_COMPILE_DEADLINE_MS, _MEMORY_BYTES, SURFHIVE_ARTIFACT_MAX_BYTES). */
export interface CompileLimits {
  /** Wall-clock time for the whole job: compile, type probes and link together. */
  deadlineMs: number;
  /** Address space of all the job's processes together; steps running side by side share it. */
  memoryBytes: number;
  /** Largest file any step may write, and largest artifact stored. */
  artifactBytes: number;
}

export const DEFAULT_COMPILE_LIMITS: CompileLimits = {
  deadlineMs: 25_000,
  memoryBytes: 2 * 1024 ** 3,
  artifactBytes: 8 * 1024 ** 2,
};

/**
 * One compile job's clock and limits. Every step takes its timeout from the
 * one deadline and its signal from the job, so a step that times out (or
 * fails while another runs beside it) ends the job: no further step starts.
 */
export class CompileBudget {
  private readonly deadline: number;
  private readonly controller = new AbortController();

  constructor(
    readonly limits: CompileLimits = DEFAULT_COMPILE_LIMITS,
    parent?: AbortSignal,
  ) {
    this.deadline = performance.now() + limits.deadlineMs;
    if (parent) {
      if (parent.aborted) this.controller.abort();
      else parent.addEventListener('abort', () => this.controller.abort(), { once: true });
    }
  }

  /** Aborted when the job is stopped (by its queue or by abort()). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Ends every step still running; later steps refuse to start. */
  abort(): void {
    this.controller.abort();
  }

  get expired(): boolean {
    return performance.now() >= this.deadline;
  }

  /** Time left for the next step; past the deadline (or after an abort) the job ends here. */
  remainingMs(): number {
    const left = Math.floor(this.deadline - performance.now());
    if (left <= 0) throw this.timedOut();
    if (this.signal.aborted) throw new CompileFailure('compile stopped.', '');
    return left;
  }

  timedOut(): CompileFailure {
    return new CompileFailure(`compile timed out (the job may take ${this.limits.deadlineMs} ms).`, '');
  }

  /** The limits of one step; `share` steps run side by side and split the job's memory. */
  stepLimits(share = 1): ResourceLimits {
    return {
      cpuSeconds: Math.ceil(this.remainingMs() / 1000) + 1,
      memoryBytes: Math.floor(this.limits.memoryBytes / share),
      fileBytes: this.limits.artifactBytes,
      processes: COMPILE_PROCESSES,
    };
  }

  tooLarge(what: string): CompileFailure {
    return new CompileFailure(
      `compile failed: the ${what} is larger than ${this.limits.artifactBytes} bytes.`,
      '',
    );
  }
}

const SIGXFSZ = os.constants.signals.SIGXFSZ;

/**
 * A tool killed by its file-size limit: SIGXFSZ (bubblewrap reports a child's
 * death by signal as exit 128 + signal), or a write that failed with EFBIG.
 */
export const hitFileSizeLimit = (res: {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}) => res.signal === 'SIGXFSZ' || res.code === 128 + SIGXFSZ || /File too large/i.test(res.stderr);

/** The job limits a configuration sets. */
export const compileLimits = (c: {
  compileDeadlineMs: number;
  compileMemoryBytes: number;
  artifactMaxBytes: number;
}): CompileLimits => ({
  deadlineMs: c.compileDeadlineMs,
  memoryBytes: c.compileMemoryBytes,
  artifactBytes: c.artifactMaxBytes,
});
