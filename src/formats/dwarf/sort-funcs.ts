import type { FuncRow } from '../../kernel-db/rows.js';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Sorted by name, file and line; exact duplicates (a function and its
 * .isra/.constprop clones, which share one declaration) kept once. Two
 * statics of the same name in different files stay two rows.
 */
export function sortFuncRows(rows: FuncRow[]): FuncRow[] {
  const seen = new Set<string>();
  const unique: FuncRow[] = [];
  for (const r of rows) {
    const key = JSON.stringify([r.func, r.ret, r.line, r.file, r.module, r.args]);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(r);
  }
  return unique.sort(
    (a, b) =>
      cmp(a.func, b.func) ||
      cmp(a.file, b.file) ||
      a.line - b.line ||
      cmp(a.ret, b.ret) ||
      cmp(a.args.join(','), b.args.join(',')),
  );
}
