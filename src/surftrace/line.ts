import { exprFail } from './syntax.js';

export type ProbeKind = 'p' | 'r' | 'e' | 'P' | 'R';

export interface ParsedLine {
  kind: ProbeKind;
  symbol: string;
  /** Variable expressions, in order. */
  args: string[];
  /** Filter text after `f:`, untranslated; '' for none. */
  filter: string;
}

/** Splits on spaces outside parentheses (a cast may hold spaces: `!(struct file *)%0`). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth < 0) exprFail('unbalanced parentheses');
    } else if (depth === 0 && c === ' ') {
      if (word !== '') words.push(word);
      word = '';
      continue;
    }
    word += c;
  }
  if (depth !== 0) exprFail('unbalanced parentheses');
  if (word !== '') words.push(word);
  return words;
}

const KINDS: readonly string[] = ['p', 'r', 'e', 'P', 'R'];

/** `TYPE SYMBOL [VAR=EXPR ...] [f:FILTER]`. */
export function parseLine(line: string): ParsedLine {
  if (line.length > 4096) exprFail('expression is too long');
  if (/[\0-\x1f\x7f]/.test(line)) exprFail('expression holds control characters');
  const words = splitWords(line.trim());
  if (words.length < 2) exprFail('a single word is not an expression (TYPE SYMBOL ...)');
  const [kind, symbol] = words as [string, string];
  if (!KINDS.includes(kind)) exprFail('type must be one of p, r, e, P, R');
  const rest = words.slice(2);
  const last = rest[rest.length - 1];
  const hasFilter = last?.startsWith('f:') ?? false;
  return {
    kind: kind as ProbeKind,
    symbol,
    args: hasFilter ? rest.slice(0, -1) : rest,
    filter: hasFilter ? (last as string).slice(2) : '',
  };
}
