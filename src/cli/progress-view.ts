/** The subset of an ingest's progress a terminal shows. */
export interface ProgressView {
  phase: string;
  percent: number;
  downloaded?: number;
  extracted?: number;
  total?: number;
}

const WIDTH = 28;
const mb = (n: number) => (n / 1024 / 1024).toFixed(0);

/**
 * Job progress on a terminal: a redrawn bar on a TTY, a line per 10 % otherwise.
 * Log lines are printed above the bar.
 */
export class ProgressPrinter {
  private shown = false;
  private lastDecile = -1;
  private lastPhase = '';
  private readonly startedAt = Date.now();
  private phaseStart = Date.now();

  constructor(private readonly out: NodeJS.WriteStream) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  line(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
  }

  update(p: ProgressView): void {
    if (p.phase !== this.lastPhase) {
      this.lastPhase = p.phase;
      this.phaseStart = Date.now();
      this.lastDecile = -1;
    }
    if (!this.tty) {
      if (p.phase !== 'download') return;
      const decile = Math.floor(p.percent / 10);
      if (decile === this.lastDecile) return;
      this.lastDecile = decile;
      this.out.write(`download ${p.percent}%${bytes(p)}\n`);
      return;
    }
    if (p.phase === 'done') {
      this.clear();
      return;
    }
    const filled = Math.round((p.percent / 100) * WIDTH);
    const bar =
      p.phase === 'download'
        ? `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(p.percent).padStart(3)}%`
        : '';
    const secs = (Date.now() - this.phaseStart) / 1000;
    const rate =
      p.phase === 'download' && p.downloaded && secs > 0 ? `  ${mb(p.downloaded / secs)} MB/s` : '';
    const xz = p.extracted ? `  unpacked ${mb(p.extracted)} MB` : '';
    const elapsed = `  ${((Date.now() - this.startedAt) / 1000).toFixed(0)} s`;
    this.out.write(`\r\x1b[K${p.phase.padEnd(8)} ${bar}${bytes(p)}${rate}${xz}${elapsed}`);
    this.shown = true;
  }

  clear(): void {
    if (this.tty && this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}

function bytes(p: ProgressView): string {
  if (p.downloaded === undefined) return '';
  return p.total ? `  ${mb(p.downloaded)}/${mb(p.total)} MB` : `  ${mb(p.downloaded)} MB`;
}
