import t from 'tap';
import { ProgressPrinter } from '../../src/cli/progress-view.js';

/** A terminal (or a pipe) that records what is written, with a clock the test moves. */
function terminal(isTTY: boolean) {
  const writes: string[] = [];
  const out = { isTTY, write: (s: string) => writes.push(s) > 0 } as unknown as NodeJS.WriteStream;
  let now = 1_000_000;
  return {
    out,
    writes,
    clock: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    /** The text a terminal shows: carriage returns and erase-line codes applied. */
    screen: () =>
      writes
        .join('')
        .split('\n')
        .map((l) =>
          l
            .split('\r')
            .at(-1)!
            .replace(/\x1b\[K/g, ''),
        ),
  };
}

const MB = 1024 * 1024;

t.test(
  'a pipe: a line per 10 % of download and extract, one per finished phase with its own time',
  async (t) => {
    const term = terminal(false);
    const p = new ProgressPrinter(term.out, term.clock);
    p.update({ phase: 'resolve', percent: 0 });
    term.advance(400);
    p.update({ phase: 'download', percent: 0, downloaded: 0, total: 20 * MB });
    for (let i = 1; i <= 20; i++) {
      term.advance(100);
      p.update({ phase: 'download', percent: i * 5, downloaded: i * MB, total: 20 * MB, extracted: i * MB });
    }
    // the download is complete, the extractor still reads: the phase says extract, not download
    p.update({ phase: 'extract', percent: 60, downloaded: 20 * MB, extracted: 12 * MB, total: 20 * MB });
    term.advance(1500);
    p.update({ phase: 'extract', percent: 100, downloaded: 20 * MB, extracted: 20 * MB, total: 20 * MB });
    p.update({ phase: 'build', percent: 0 });
    term.advance(4200);
    p.update({ phase: 'publish', percent: 0 });
    term.advance(300);
    p.update({ phase: 'done', percent: 100 });
    const lines = term.writes.join('').trimEnd().split('\n');
    t.same(
      lines.filter((l) => / in [\d.]+ s$/.test(l)),
      [
        'resolve  done in 0.4 s',
        'download 20 MB, 10 MB/s in 2.0 s',
        'extract  20 MB read in 1.5 s',
        'build    done in 4.2 s',
        'publish  done in 0.3 s',
      ],
    );
    t.same(
      lines.filter((l) => l.startsWith('download') && l.includes('%')).map((l) => l.split('%')[0]!.trim()),
      [
        'download   0',
        'download  10',
        'download  20',
        'download  30',
        'download  40',
        'download  50',
        'download  60',
        'download  70',
        'download  80',
        'download  90',
        'download 100',
      ],
      'one line per 10 %',
    );
    t.match(lines.join('\n'), /extract {3}60% {2}12\/20 MB\nextract {2}100% {2}20\/20 MB/);
    t.notMatch(lines.join('\n'), /\r|\x1b/, 'no terminal codes in a pipe');
  },
);

t.test('a terminal: the current phase redrawn with a moving time, finished phases stay', async (t) => {
  const term = terminal(true);
  const p = new ProgressPrinter(term.out, term.clock);
  p.update({ phase: 'download', percent: 50, downloaded: 10 * MB, total: 20 * MB });
  t.match(term.screen().at(-1), /^download \[#{12}-{12}\] {2}50% {2}10\/20 MB {2}0\.0 s$/);
  p.update({ phase: 'build', percent: 0 });
  // a silent phase: no update comes, yet the time on the line moves (redrawn twice a second)
  term.advance(3000);
  await new Promise((r) => setTimeout(r, 1200));
  t.match(term.screen().at(-1), /^build {4}… {2}3\.0 s$/, 'the build time is not frozen');
  p.line('a log line');
  t.same(
    term.screen().slice(-3),
    ['download 10 MB, 0.0 MB/s in 0.0 s', 'a log line', 'build    …  3.0 s'],
    'log lines print above the bar',
  );
  p.finish();
  const after = term.writes.length;
  await new Promise((r) => setTimeout(r, 700));
  t.equal(term.writes.length, after, 'no redraws after finish');
  t.equal(term.screen().at(-1), '', 'the bar is cleared');
});
