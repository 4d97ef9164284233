import type { CellAnswer, StructAnswer } from './answers.js';

/** What happened to one member between kernel a and kernel b. */
export type MemberStatus = 'same' | 'moved' | 'resized' | 'retyped' | 'added' | 'removed';
export type MemberChange = 'offset' | 'size' | 'type' | 'bits';

export interface MemberDiff {
  /** The member name without array dimensions (`comm` for `comm[16]`). */
  name: string;
  /** `resized` wins over `moved`, `moved` over `retyped`; `changes` lists every difference. */
  status: MemberStatus;
  changes: MemberChange[];
  a?: CellAnswer;
  b?: CellAnswer;
}

export interface StructDiff {
  name: string;
  a: { size: number; members: number };
  b: { size: number; members: number };
  summary: Record<MemberStatus, number>;
  /** b's order, with removed members placed after the member that preceded them in a. */
  members: MemberDiff[];
}

/** `comm[16]` → `comm`: a member whose array length changed is the same member, resized. */
export const memberKey = (name: string): string => {
  const at = name.indexOf('[');
  return at < 0 ? name : name.slice(0, at);
};

/** Keys made unique by occurrence (`x`, `x#2`), so even a database with repeated names pairs up. */
function keyed(cells: CellAnswer[]): { key: string; cell: CellAnswer }[] {
  const seen = new Map<string, number>();
  return cells.map((cell) => {
    const base = memberKey(cell.name);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { key: n === 1 ? base : `${base}#${n}`, cell };
  });
}

function compare(a: CellAnswer, b: CellAnswer): { status: MemberStatus; changes: MemberChange[] } {
  const changes: MemberChange[] = [];
  if (a.offset !== b.offset) changes.push('offset');
  if (a.size !== b.size || a.name !== b.name) changes.push('size');
  if (a.type !== b.type) changes.push('type');
  if (a.bits !== b.bits) changes.push('bits');
  const status: MemberStatus = changes.includes('size')
    ? 'resized'
    : changes.includes('offset') || changes.includes('bits')
      ? 'moved'
      : changes.includes('type')
        ? 'retyped'
        : 'same';
  return { status, changes };
}

/** Member-by-member comparison of one struct's layout on two kernels (matched by member name). */
export function diffStructs(a: StructAnswer, b: StructAnswer): StructDiff {
  const left = keyed(a.cell);
  const right = keyed(b.cell);
  const inA = new Map(left.map((l) => [l.key, l.cell]));

  const members: MemberDiff[] = right.map(({ key, cell }) => {
    const old = inA.get(key);
    if (!old) return { name: memberKey(cell.name), status: 'added', changes: [], b: cell };
    return { name: memberKey(cell.name), ...compare(old, cell), a: old, b: cell };
  });

  // removed members go right after their nearest predecessor in a that b still has
  const positionInOut = new Map<string, number>(right.map((r, i) => [r.key, i]));
  const inserts = new Map<number, MemberDiff[]>();
  let anchor = -1;
  for (const { key, cell } of left) {
    const at = positionInOut.get(key);
    if (at !== undefined) {
      anchor = at;
      continue;
    }
    const list = inserts.get(anchor) ?? [];
    list.push({ name: memberKey(cell.name), status: 'removed', changes: [], a: cell });
    inserts.set(anchor, list);
  }
  const ordered: MemberDiff[] = [...(inserts.get(-1) ?? [])];
  members.forEach((m, i) => {
    ordered.push(m, ...(inserts.get(i) ?? []));
  });

  const summary: Record<MemberStatus, number> = {
    same: 0,
    moved: 0,
    resized: 0,
    retyped: 0,
    added: 0,
    removed: 0,
  };
  for (const m of ordered) summary[m.status]++;
  return {
    name: b.name,
    a: { size: a.size, members: a.members },
    b: { size: b.size, members: b.members },
    summary,
    members: ordered,
  };
}
