import type { MemberRow } from '../../kernel-db/rows.js';
import { badBtf } from '../btf/bad-btf.js';
import { memberLayout } from '../btf/members.js';
import type { BtfComposite, BtfType } from '../btf/types.js';
import { qualifierBit } from '../ctype/qualifiers.js';
import type { RowContext } from './context.js';

/**
 * A hostile blob can nest wide structs into billions of member visits; real
 * kernels need a few thousand per struct and a few million in all.
 */
export const MAX_VISITS_PER_STRUCT = 1_000_000;

/** Member visits left for the whole blob; shared by all flattenMembers() calls. */
export interface FlattenBudget {
  remaining: number;
}

/**
 * Members of a struct/union flattened like gdb's `ptype /o`: members declared
 * with a struct/union type (possibly qualified, never through a typedef) are
 * replaced by their own members, prefixed `name.` unless anonymous, with
 * offsets from the outer struct.
 */
export function flattenMembers(ctx: RowContext, t: BtfComposite, budget: FlattenBudget): MemberRow[] {
  const out: MemberRow[] = [];
  const walker = { ctx, out, budget, left: MAX_VISITS_PER_STRUCT, outer: t };
  walk(walker, t, '', 0);
  return out;
}

interface Walker {
  readonly ctx: RowContext;
  readonly out: MemberRow[];
  readonly budget: FlattenBudget;
  readonly outer: BtfComposite;
  left: number;
}

function walk(w: Walker, t: BtfComposite, prefix: string, baseBits: number): void {
  const { ctx, out } = w;
  w.left -= t.members.length;
  w.budget.remaining -= t.members.length;
  if (w.left < 0)
    badBtf(`struct ${w.outer.name || w.outer.id} flattens to more than ${MAX_VISITS_PER_STRUCT} members`);
  if (w.budget.remaining < 0) badBtf('BTF flattens to too many member rows');
  for (const m of t.members) {
    const layout = memberLayout(ctx.btf, m);
    const bitOffset = baseBits + layout.bitOffset;
    const inner = layout.bitfieldSize === 0 ? embeddedComposite(ctx, m.type) : undefined;
    if (inner) {
      walk(w, inner, m.name ? `${prefix}${m.name}.` : prefix, bitOffset);
      continue;
    }
    if (!m.name) continue; // unnamed padding bitfields
    out.push(leafRow(ctx, prefix + m.name, m.type, bitOffset, layout.bitfieldSize));
  }
}

/** The struct/union a member is declared with, looking through qualifiers only. */
function embeddedComposite(ctx: RowContext, id: number): BtfComposite | undefined {
  let t: BtfType = ctx.btf.type(id);
  while (t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'type_tag')
    t = ctx.btf.type(t.type);
  return t.kind === 'struct' || t.kind === 'union' ? t : undefined;
}

function leafRow(ctx: RowContext, name: string, typeId: number, bitOffset: number, width: number): MemberRow {
  const bytes = ctx.sizes.of(typeId);
  const offset = Math.floor(bitOffset / 8);
  if (width > 0)
    return { type: ctx.namer.name(typeId), name, offset, bytes, bits: `${bitOffset % 8}:${width}` };
  // Array dimensions go into the name; qualifiers on the array go to its element.
  let dims = '';
  let quals = 0;
  let id = typeId;
  for (;;) {
    const t = ctx.btf.type(id);
    if (t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict') quals |= qualifierBit(t.kind);
    else if (t.kind === 'array') dims += `[${t.nelems || ''}]`;
    else if (t.kind !== 'type_tag') break;
    id = t.type;
  }
  if (dims === '') return { type: ctx.namer.name(typeId), name, offset, bytes, bits: '' };
  return { type: ctx.namer.qualified(id, quals), name: name + dims, offset, bytes, bits: '' };
}
