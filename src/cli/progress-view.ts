/** The subset of an ingest's progress a terminal shows. */
export interface ProgressView {
  phase: string;
  percent: number;
  downloaded?: number;
  extracted?: number;
  total?: number;
}

const WIDTH = 24;
/** How often the line on a terminal is redrawn, so that the time keeps moving in a silent phase. */
const TICK_MS = 500;
const mb = (n: number) => (n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * An ingest's phases on a terminal, one at a time (resolve, download, extract, build, publish),
 * each with its own progress and elapsed time. On a TTY the current phase is a line redrawn
 * twice a second; a finished phase leaves one line with its time. Elsewhere (a log file, CI)
 * a line per 10 % of a measurable phase and one per finished phase. Log lines print above.
 */
export class ProgressPrinter {
  private shown = false;
  private current: ProgressView | undefined;
  private phaseStart = 0;
  private lastDecile = -1;
  private readonly ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly now: () => number = Date.now,
  ) {
    if (this.tty) {
      this.ticker = setInterval(() => this.draw(), TICK_MS);
      this.ticker.unref();
    }
  }

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  line(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
    this.draw();
  }

  update(p: ProgressView): void {
    if (p.phase !== this.current?.phase) {
      this.endPhase();
      if (p.phase === 'done') {
        this.finish();
        return;
      }
      this.phaseStart = this.now();
      this.lastDecile = -1;
    }
    this.current = { ...p };
    if (this.tty) {
      this.draw();
      return;
    }
    if (!measurable(p.phase)) return;
    const decile = Math.floor(p.percent / 10);
    if (decile === this.lastDecile) return;
    this.lastDecile = decile;
    this.out.write(`${p.phase.padEnd(9)}${String(p.percent).padStart(3)}%${this.amount(p)}\n`);
  }

  /** Ends the display: the phase that was running is closed with its time, the redraws stop. */
  finish(): void {
    clearInterval(this.ticker);
    this.clear();
    this.current = undefined;
  }

  /** The finished phase's line: what it did and how long it took. */
  private endPhase(): void {
    const p = this.current;
    if (!p) return;
    const ms = this.now() - this.phaseStart;
    let what = 'done';
    if (p.phase === 'download' && p.downloaded !== undefined)
      what = `${mb(p.downloaded)} MB, ${mb(ms > 0 ? (p.downloaded / ms) * 1000 : 0)} MB/s`;
    if (p.phase === 'extract' && p.extracted !== undefined) what = `${mb(p.extracted)} MB read`;
    this.clear();
    this.out.write(`${p.phase.padEnd(9)}${what} in ${secs(ms)}\n`);
    this.current = undefined;
  }

  private draw(): void {
    const p = this.current;
    if (!this.tty || !p) return;
    const bar = measurable(p.phase)
      ? `[${'#'.repeat(Math.round((p.percent / 100) * WIDTH)).padEnd(WIDTH, '-')}] ${String(p.percent).padStart(3)}%`
      : '…';
    const elapsed = secs(this.now() - this.phaseStart);
    this.out.write(`\r\x1b[K${p.phase.padEnd(9)}${bar}${this.amount(p)}  ${elapsed}`);
    this.shown = true;
  }

  private amount(p: ProgressView): string {
    const done = p.phase === 'download' ? p.downloaded : p.phase === 'extract' ? p.extracted : undefined;
    if (done === undefined) return '';
    return p.total ? `  ${mb(done)}/${mb(p.total)} MB` : `  ${mb(done)} MB`;
  }

  private clear(): void {
    if (this.tty && this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}

const measurable = (phase: string) => phase === 'download' || phase === 'extract';
