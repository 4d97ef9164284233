/**
 * The compiler's messages about files of the job (relative paths) and of the
 * lbc include directory are kept whole. A diagnostic located in any other
 * file (an absolute `#include`, `.incbin` or `#pragma GCC dependency` of
 * something the sandbox shows, like /proc/cpuinfo) could quote that file's
 * text: its message and source excerpt are withheld, its location kept.
 */
const DIAG = /^(.+?):(\d+):(\d+): (fatal error|error|warning|note|remark): /;
const INCLUDED = /^In file included from (.+?):\d+:/;
const SUMMARY = /^\d+ (warnings?|errors?)( and \d+ errors?)? generated\.$/;

const allowed = (file: string, keep: readonly string[]) =>
  !file.startsWith('/') || keep.some((dir) => file.startsWith(dir));

/** Where clang's crash report starts: its stack dump names host paths and says nothing useful to a client. */
const CRASH = /^(PLEASE submit a bug report|Stack dump:)/;

export function jobOnlyClog(text: string, keepDirs: readonly string[]): string {
  const out: string[] = [];
  let hiding = false;
  for (const line of text.split('\n')) {
    if (CRASH.test(line)) {
      out.push('clang crashed (report withheld).');
      break;
    }
    const d = DIAG.exec(line);
    if (d) {
      hiding = !allowed(d[1]!, keepDirs);
      out.push(
        hiding ? `${d[1]}:${d[2]}:${d[3]}: ${d[4]}: (message withheld: the file is outside the job)` : line,
      );
      continue;
    }
    const inc = INCLUDED.exec(line);
    if (inc || SUMMARY.test(line)) {
      hiding = false;
      out.push(line);
      continue;
    }
    if (!hiding) out.push(line);
  }
  return out.join('\n');
}
