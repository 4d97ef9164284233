import type { TypeRow } from '../../kernel-db/rows.js';
import { gdbBaseName } from '../ctype.js';
import type { RowContext } from './context.js';

/**
 * Row 1 is `void *`; then, in id order and first name wins, one row per base
 * type (alias = its own name) and per typedef (alias = what gdb's `ptype`
 * prints on its first line).
 */
export function typeRows(ctx: RowContext): TypeRow[] {
  const rows: TypeRow[] = [{ name: 'void *', alias: 'void *', bytes: ctx.sizes.pointerSize }];
  const seen = new Set<string>(['void *']);
  for (const t of ctx.btf.types) {
    let row: TypeRow;
    if (t.kind === 'int' || t.kind === 'float') {
      const name = gdbBaseName(t.name);
      row = { name, alias: name, bytes: t.size };
    } else if (t.kind === 'typedef') {
      row = { name: t.name, alias: ctx.namer.ptypeFirstLine(t.type), bytes: ctx.sizes.of(t.id) };
    } else continue;
    if (!row.name || seen.has(row.name)) continue;
    seen.add(row.name);
    rows.push(row);
  }
  return rows;
}
