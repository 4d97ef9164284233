import type { FuncRow } from '../kernel-db/rows.js';

const clean = (s: string) => s.replace(/[\t\n\r]/g, ' ');

/** The `funcs/` export: one tab-separated line per function, with a header line. */
export function formatFuncList(funcs: FuncRow[]): string {
  const lines = ['# func\tret\targs\tfile\tline\tmodule'];
  for (const f of funcs) {
    lines.push([f.func, f.ret, f.args.join(', '), f.file, String(f.line), f.module].map(clean).join('\t'));
  }
  return lines.join('\n') + '\n';
}
