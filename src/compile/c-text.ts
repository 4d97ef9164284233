/**
 * Small helpers over C source text: enough lexing to skip comments, string
 * and character literals, which is all the map and include scanners need.
 */

/**
 * The source with comments replaced by spaces (newlines kept). Line
 * continuations are joined unless `keepLines`, which keeps line numbers.
 */
export function stripComments(src: string, keepLines = false): string {
  const text = keepLines ? src : src.replace(/\\\r?\n/g, '');
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '"' || c === "'") {
      const stop = literalEnd(text, i);
      out += text.slice(i, stop);
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Index just past the string or character literal starting at `start` (or at the line's end if unterminated). */
export function literalEnd(text: string, start: number): number {
  const q = text[start];
  let i = start + 1;
  while (i < text.length && text[i] !== q && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
  return Math.min(i + 1, text.length);
}

/**
 * Splits the argument list of a macro call whose `(` is at `open`, on top-level
 * commas. Returns the trimmed arguments and the index after `)`, or undefined
 * when the parentheses do not balance.
 */
export function splitCallArgs(text: string, open: number): { args: string[]; end: number } | undefined {
  const args: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const stop = literalEnd(text, i);
      cur += text.slice(i, stop);
      i = stop - 1;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      depth++;
      if (depth === 1) continue;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        args.push(cur.trim());
        return { args, end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  return undefined;
}

/** Collapses runs of white space to one space, as a type is "written" for clients. */
export const normalizeSpaces = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The text with the contents of string and character literals blanked (quotes kept). */
export function blankLiterals(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const stop = literalEnd(text, i);
      out += c + ' '.repeat(Math.max(0, stop - i - 2)) + (stop - i >= 2 ? text[stop - 1] : '');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
