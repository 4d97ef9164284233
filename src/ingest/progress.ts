import type { JobContext } from '../queue/types.js';

export type IngestPhase = 'resolve' | 'download' | 'extract' | 'build' | 'publish' | 'done';

/** What an ingest job reports as its progress (BullMQ stores it as is). */
export interface IngestProgress {
  phase: IngestPhase;
  /** Of the current phase when it can be measured: the bytes downloaded, or read by the extractor. */
  percent: number;
  downloaded?: number;
  /** Bytes of the package the extractor has read (it runs while the download does). */
  extracted?: number;
  /** The package's size. */
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
      if (state.phase === 'download') state.percent = percentOf(done, total);
      send(done === total);
    },
    extracted(bytes: number) {
      state.extracted = bytes;
      if (state.phase === 'extract') state.percent = percentOf(bytes, state.total);
      send(false);
    },
    /** The download is complete; the extraction may still run. */
    downloaded() {
      state.phase = 'extract';
      state.percent = percentOf(state.extracted ?? 0, state.total);
      send(true);
    },
    log(line: string): Promise<void> {
      return job.log(line).catch(() => {});
    },
  };
}

const percentOf = (done: number, total: number | undefined) =>
  total ? Math.min(100, Math.floor((done / total) * 100)) : 0;
