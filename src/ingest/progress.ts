import type { JobContext } from '../queue/types.js';

export type IngestPhase = 'resolve' | 'download' | 'extract' | 'build' | 'done';

/** What an ingest job reports as its progress (BullMQ stores it as is). */
export interface IngestProgress {
  phase: IngestPhase;
  /** Of the current phase when it can be measured: the download's bytes. */
  percent: number;
  downloaded?: number;
  extracted?: number;
  total?: number;
}

const EVERY_MS = 250;

/**
 * Turns the many byte counts of a download into a few progress updates (each is a Redis
 * call under BullMQ): at most one per 250 ms, phase changes always. Reporting never fails the job.
 */
export function progressReporter(job: Pick<JobContext<unknown>, 'log' | 'progress'>) {
  const state: IngestProgress = { phase: 'resolve', percent: 0 };
  let last = 0;
  const send = (force: boolean) => {
    const now = Date.now();
    if (!force && now - last < EVERY_MS) return;
    last = now;
    job.progress({ ...state }).catch(() => {});
  };
  return {
    phase(phase: IngestPhase, percent = 0) {
      state.phase = phase;
      state.percent = percent;
      send(true);
    },
    download(done: number, total: number | undefined) {
      state.downloaded = done;
      state.total = total;
      state.percent = total ? Math.min(100, Math.floor((done / total) * 100)) : 0;
      send(done === total);
    },
    extracted(bytes: number) {
      state.extracted = bytes;
      send(false);
    },
    log(line: string): Promise<void> {
      return job.log(line).catch(() => {});
    },
  };
}
