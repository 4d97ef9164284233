/**
 * Orders kernel releases as `uname -r` prints them (`4.19.91-23.4.an8.x86_64`,
 * `5.15.0-91-generic`, `6.1.0-56-amd64`, `6.8.0~rc3`): numbers compare as
 * numbers, letters as text, a number outranks letters at the same place
 * (rpm's rule), and `~` sorts before anything, even the end (Debian's rule).
 */
export function compareKernelVersions(a: string, b: string): number {
  const ta = tokens(a);
  const tb = tokens(b);
  for (let i = 0; ; i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === undefined && y === undefined) return 0;
    if (x === '~' || y === '~') {
      if (x === y) continue;
      return x === '~' ? -1 : 1;
    }
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = isNum(x);
    const ny = isNum(y);
    if (nx && ny) {
      const d = compareDigits(x, y);
      if (d !== 0) return d;
    } else if (nx !== ny) {
      return nx ? 1 : -1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
}

const isNum = (t: string) => t.charCodeAt(0) >= 48 && t.charCodeAt(0) <= 57;

/** Digit runs of any length, without overflow: strip leading zeros, then length, then text. */
function compareDigits(x: string, y: string): number {
  const a = x.replace(/^0+/, '');
  const b = y.replace(/^0+/, '');
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

function tokens(v: string): string[] {
  return v.match(/[0-9]+|[A-Za-z]+|~/g) ?? [];
}
