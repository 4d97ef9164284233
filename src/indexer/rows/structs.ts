import type { StructRow } from '../../kernel-db/rows.js';
import { type RowContext, skipTypedefsAndQualifiers } from './context.js';
import { type FlattenBudget, flattenMembers } from './flatten.js';

/** Member visits one blob may cost in all (vmlinux needs a few million). */
export const MAX_MEMBER_VISITS = 30_000_000;

/**
 * One row per struct/union name among the blob's own types, in id order, first
 * definition wins: `struct NAME`, `union NAME`, or the typedef name for a
 * typedef (chain) of an anonymous struct/union. Names in `skip` are left out.
 */
export function structRows(
  ctx: RowContext,
  skip: ReadonlySet<string> = new Set(),
  maxMemberVisits = MAX_MEMBER_VISITS,
): StructRow[] {
  const rows: StructRow[] = [];
  const seen = new Set<string>();
  const budget: FlattenBudget = { remaining: maxMemberVisits };
  for (const t of ctx.btf.types) {
    let name: string;
    let body = t;
    if ((t.kind === 'struct' || t.kind === 'union') && t.name) name = `${t.kind} ${t.name}`;
    else if (t.kind === 'typedef') {
      body = skipTypedefsAndQualifiers(ctx.btf, t.type);
      if ((body.kind !== 'struct' && body.kind !== 'union') || body.name) continue;
      name = t.name;
    } else continue;
    if (body.kind !== 'struct' && body.kind !== 'union') continue;
    if (seen.has(name) || skip.has(name)) continue;
    seen.add(name);
    rows.push({ name, bytes: body.size, members: flattenMembers(ctx, body, budget, name) });
  }
  return rows;
}
