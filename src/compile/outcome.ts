import { SurfhiveError } from '../errors/codes.js';
/** What a finished compile leaves, kept in the content-addressed cache (the job's one result channel). */
export interface CompileOutcome {
  status: 'completed' | 'failed';
  output?: 'o' | 'so';
  /** Compiler messages, with paths as the job's own (`bpf.c:6:13`). */
  clog: string;
  /** For failures: the message shown as the legacy `log`. */
  error?: string;
  artifact?: { size: number; sha256: string };
  timings?: Record<string, number>;
}

/** The user's program and the artifacts built from it, in the job directory and as downloads. */
export const SOURCE_NAME = 'bpf.c';
export const ARTIFACT_NAMES = { o: 'bpf.o', so: 'lbc.so' } as const;

/**
 * A user program that does not build. `message` goes to the client's `log`,
 * `clog` holds the compiler's messages, already free of host paths.
 */
export class CompileFailure extends SurfhiveError {
  constructor(
    message: string,
    readonly clog: string,
  ) {
    super('COMPILE_FAILED', message);
  }
}

export const isCompileFailure = (e: unknown): e is CompileFailure => e instanceof CompileFailure;
