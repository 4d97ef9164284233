import { filterLiteral, headKind } from './head-names.js';
import { exprFail } from './syntax.js';

const OPERATORS = ['==', '!=', '~', '>=', '<=', '>', '<'] as const;
const JOINERS = '()|&';

function translateTerm(term: string): string {
  for (const op of OPERATORS) {
    if (!term.includes(op)) continue;
    const parts = term.split(op);
    if (parts.length !== 2) exprFail('bad filter: one comparison per term');
    const [key, value] = parts as [string, string];
    const head = headKind(key.trim());
    return `${key}${op}${head ? filterLiteral(head, value.trim()) : value}`;
  }
  return exprFail('bad filter: a term needs a comparison (==, !=, ~, >=, <=, >, <)');
}

/**
 * An ftrace filter from the `f:` text: terms joined by `&&`, `||` and
 * parentheses pass through; literals compared with `ip_`/`b16_`/`B16_`...
 * variables become the raw words the kernel sees.
 */
export function translateFilter(filter: string): string {
  if (filter.length > 2048) exprFail('filter is too long');
  if (/[\0-\x1f\x7f]/.test(filter)) exprFail('filter holds control characters');
  let out = '';
  let begin = 0;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i] as string;
    if (!JOINERS.includes(c)) continue;
    if (i > 0 && begin !== i) out += translateTerm(filter.slice(begin, i));
    begin = i + 1;
    out += c;
  }
  if (begin !== filter.length) out += translateTerm(filter.slice(begin));
  return out;
}
