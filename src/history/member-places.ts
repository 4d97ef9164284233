import { isSurfhiveError } from '../errors/codes.js';
import { resolveMemberPathIn, type StructSource } from '../lookup/member-path.js';
import type { IndexedLayout, LayoutIndex } from './layout-index.js';

/** Where a member path lands in one kernel; `absent` when the struct has no such member. */
export type MemberPlace =
  | { state: 'present'; offset: number; size: number; type: string; bits: string; member: string }
  | { state: 'absent' }
  | { state: 'no-struct' };

/** `resolveMemberPath`'s answer as a place; a path that is not there is `absent`. */
export function placeOf(src: StructSource, rowName: string, path: string): MemberPlace {
  try {
    const at = resolveMemberPathIn(src, rowName, path);
    return {
      state: 'present',
      offset: at.offset,
      size: at.size,
      type: at.type,
      bits: at.bits,
      member: at.member,
    };
  } catch (err) {
    if (isSurfhiveError(err) && (err.kind === 'MEMBER_NOT_FOUND' || err.kind === 'INVALID_FIELD'))
      return { state: 'absent' };
    throw err;
  }
}

/** A place and the inner layouts it was resolved through: (struct row name, layout id or none). */
type Resolved = { through: [string, number | undefined][]; place: MemberPlace };

/**
 * Member places from the layout index, resolved once per distinct layout: kernels that share
 * the struct's layout (and the layouts of any inner struct the path goes through) share the
 * answer. Layout ids are never reused, so an answer stays true for as long as it is kept.
 * Bounded by entry count, oldest first out.
 */
export class IndexedPlaces {
  private readonly memo = new Map<string, Resolved[]>();

  constructor(private readonly maxEntries = 50_000) {}

  place(index: LayoutIndex, kernelId: number, topId: number, top: IndexedLayout, path: string): MemberPlace {
    const key = `${topId}\0${top.name}\0${path}`;
    let known = this.memo.get(key);
    const hit = known?.find((r) => r.through.every(([name, id]) => index.layoutIdIn(kernelId, name) === id));
    if (hit) return hit.place;
    const through: Resolved['through'] = [];
    const seen: IndexedLayout[] = [top];
    const src: StructSource = {
      cells: (name) => {
        if (name === top.name) return top.cells;
        const id = index.layoutIdIn(kernelId, name);
        through.push([name, id]);
        const l = id === undefined ? undefined : index.layout(id, name);
        if (l && !seen.includes(l)) seen.push(l);
        return l?.cells;
      },
      elementSize: (row) => {
        for (const l of seen) {
          const at = l.cells.indexOf(row);
          if (at >= 0) return l.elements[at] ?? undefined;
        }
        return undefined;
      },
    };
    const place = placeOf(src, top.name, path);
    if (!known) {
      known = [];
      this.memo.set(key, known);
      if (this.memo.size > this.maxEntries) this.memo.delete(this.memo.keys().next().value as string);
    }
    known.push({ through, place });
    return place;
  }
}
