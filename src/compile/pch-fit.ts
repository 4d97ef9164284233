import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PromiseMemo } from '../util/memo.js';
import type { LbcToolchain } from './toolchain.js';

const isIdentChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** Whether the line ending at `nl` ends with a backslash (a line continuation). */
const continued = (source: string, nl: number) =>
  source[nl - 1] === '\\' || (source[nl - 1] === '\r' && source[nl - 2] === '\\');

/**
 * Whether the source's first preprocessing token is `#include "lbc.h"` (or
 * `<lbc.h>`), with only blanks and comments before it: then lbc.h expands the
 * same whether it is parsed there or force-included from a precompiled header.
 * Anything else before it (a #define, a line continuation) answers false.
 */
export function startsWithLbcInclude(source: string): boolean {
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') i++;
    else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) return false;
      i = end + 2;
    } else if (source.startsWith('//', i)) {
      // A line comment ending in a backslash goes on to the next line.
      let end = source.indexOf('\n', i);
      while (end > 0 && continued(source, end)) end = source.indexOf('\n', end + 1);
      if (end < 0) return false;
      i = end + 1;
    } else break;
  }
  return /^#[ \t]*include[ \t]*(?:"lbc\.h"|<lbc\.h>)/.test(source.slice(i, i + 64));
}

/** The macro names a job's -D/-U flags set (flags as normalized by checkFlags). */
export function flagMacroNames(flags: readonly string[]): string[] {
  return flags
    .filter((f) => f.startsWith('-D') || f.startsWith('-U'))
    .map((f) => /^[A-Za-z_][A-Za-z0-9_]*/.exec(f.slice(2))?.[0] ?? '')
    .filter((s) => s !== '');
}

/** The C standard a job asks for (the last -std= wins), '' for clang's default. */
export const flagStd = (flags: readonly string[]): string =>
  flags.filter((f) => f.startsWith('-std=')).at(-1) ?? '';

/** Whether `name` occurs in `text` as a whole identifier (comments count too: a cautious answer). */
export function mentionsIdentifier(text: string, name: string): boolean {
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    const before = at === 0 ? 0 : text.charCodeAt(at - 1);
    const after = at + name.length >= text.length ? 0 : text.charCodeAt(at + name.length);
    if (!isIdentChar(before) && !isIdentChar(after)) return true;
  }
  return false;
}

const toolchainTexts = new PromiseMemo<string, string[]>();

/** lbc.h and every header of libbpf's bpf/ directory, read once per toolchain. */
function toolchainHeaderTexts(tc: LbcToolchain): Promise<string[]> {
  const key = `${tc.lbcHeader}\0${tc.bpfHeaders}`;
  return toolchainTexts.get(key, async () => {
    const names = (await readdir(tc.bpfHeaders)).filter((f) => f.endsWith('.h'));
    const files = [tc.lbcHeader, ...names.map((f) => path.join(tc.bpfHeaders, f))];
    return Promise.all(files.map((f) => readFile(f, 'latin1')));
  });
}

/**
 * Whether any of the names appears in the headers a precompiled lbc.h holds.
 * clang 14 accepts a -D that the precompiled header was built without and
 * applies it only after the header (tested: -DLBC_DEBUG then leaves lbc_debug
 * empty), so a macro that the headers mention must not meet a precompiled header.
 */
export async function headersMention(
  tc: LbcToolchain,
  vmlinuxH: string,
  names: readonly string[],
): Promise<boolean> {
  if (names.length === 0) return false;
  const texts = [...(await toolchainHeaderTexts(tc)), await readFile(vmlinuxH, 'latin1')];
  return names.some((name) => texts.some((t) => mentionsIdentifier(t, name)));
}
