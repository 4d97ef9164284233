/** What a finished compile leaves: kept in the content-addressed cache and returned by jobs. */
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

export const ARTIFACT_NAMES = { o: 'bpf.o', so: 'lbc.so' } as const;
