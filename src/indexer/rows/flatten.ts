import { badBtf } from '../../formats/btf/header.js';
import { memberLayout } from '../../formats/btf/members.js';
import type { BtfComposite, BtfType } from '../../formats/btf/types.js';
import type { ArrayDimsIndex } from '../../formats/dwarf/array-dims.js';
import type { MemberRow } from '../../kernel-db/rows.js';
import { qualifierBit } from '../ctype.js';
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
export function flattenMembers(
  ctx: RowContext,
  t: BtfComposite,
  budget: FlattenBudget,
  rowName: string = compositeName(t),
): MemberRow[] {
  const out: MemberRow[] = [];
  const walker = { ctx, out, budget, left: MAX_VISITS_PER_STRUCT, outer: t };
  walk(walker, t, '', 0, { name: rowName, prefix: '', baseBits: 0 });
  return out;
}

interface Walker {
  readonly ctx: RowContext;
  readonly out: MemberRow[];
  readonly budget: FlattenBudget;
  readonly outer: BtfComposite;
  left: number;
}

/**
 * The nearest named struct/union around a member (the row itself when it is
 * anonymous): where DWARF array dimensions are looked up, by the member's
 * name and offset relative to it.
 */
interface Anchor {
  readonly name: string;
  readonly prefix: string;
  readonly baseBits: number;
}

const compositeName = (t: BtfComposite) => (t.name ? `${t.kind} ${t.name}` : '');

function walk(w: Walker, t: BtfComposite, prefix: string, baseBits: number, anchor: Anchor): void {
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
      const step = m.name ? `${m.name}.` : '';
      const next = inner.name
        ? { name: compositeName(inner), prefix: '', baseBits: bitOffset }
        : { ...anchor, prefix: anchor.prefix + step };
      walk(w, inner, prefix + step, bitOffset, next);
      continue;
    }
    if (!m.name) continue; // unnamed padding bitfields
    const name = prefix + m.name;
    const row = leafRow(ctx, name, m.type, bitOffset, layout.bitfieldSize);
    if (ctx.arrayDims && row.bits === '') restoreDims(ctx.arrayDims, row, name, anchor, m.name, bitOffset);
    out.push(row);
  }
}

/** `x[6]` -> `x[2][3]` when DWARF declares that very member so (see ArrayDimsIndex.dimsName). */
function restoreDims(
  dims: ArrayDimsIndex,
  row: MemberRow,
  name: string,
  at: Anchor,
  member: string,
  bits: number,
) {
  const flat = /^\[(\d*)\]$/.exec(row.name.slice(name.length));
  const rel = bits - at.baseBits;
  if (!flat || rel % 8 !== 0) return;
  const suffix = dims.dimsName(at.name, at.prefix + member, rel / 8, Number(flat[1] || 0));
  if (suffix) row.name = name + suffix;
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
