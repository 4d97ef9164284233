import type { KernelEntry } from '../hive/registry.js';
import type { CellAnswer } from '../lookup/answers.js';
import type { LayoutCache, MemberPlace, StructLayout } from './layouts.js';

export interface KernelRef {
  arch: string;
  ver: string;
  release: string;
}

/** A member that disappears where another appears with the same type and size at the same offset. */
export interface Rename {
  from: string;
  to: string;
  type: string;
  offset: number;
  size: number;
  /** The last kernel with the old name and the first with the new one. */
  before: KernelRef;
  after: KernelRef;
}

export interface Run<L> {
  first: KernelRef;
  last: KernelRef;
  count: number;
  layout: L;
}

export interface MemberHistory {
  struct: string;
  member: string;
  kernels: (KernelRef & { run: number; place: MemberPlace })[];
  runs: Run<MemberPlace>[];
  firstPresent?: KernelRef;
  lastPresent?: KernelRef;
  renames: Rename[];
}

export interface StructHistory {
  struct: string;
  kernels: (KernelRef & { run: number; present: boolean; size?: number })[];
  /** Each distinct layout once; a run names its layout by index (-1: the struct is absent). */
  layouts: NonNullable<StructLayout>[];
  runs: Run<number>[];
  firstPresent?: KernelRef;
  lastPresent?: KernelRef;
  members: { name: string; first: KernelRef; last: KernelRef; kernels: number }[];
  renames: Rename[];
}

const ref = (k: KernelEntry): KernelRef => ({ arch: k.arch, ver: k.ver, release: k.release });

/** `comm[16]` → `comm`: the name a member keeps when its array length changes. */
const baseName = (row: string) => {
  const at = row.indexOf('[');
  return at < 0 ? row : row.slice(0, at);
};

/** Consecutive kernels whose `signature` is equal form one run. */
function runsOf<L>(kernels: KernelEntry[], layouts: L[], signature: (l: L) => string) {
  const runs: Run<L>[] = [];
  const runOf: number[] = [];
  let last = '';
  kernels.forEach((k, i) => {
    const sig = signature(layouts[i]!);
    const cur = runs[runs.length - 1];
    if (cur && sig === last && cur.last.arch === k.arch) {
      cur.last = ref(k);
      cur.count++;
    } else {
      runs.push({ first: ref(k), last: ref(k), count: 1, layout: layouts[i]! });
      last = sig;
    }
    runOf.push(runs.length - 1);
  });
  return { runs, runOf };
}

/** Members of `after` that take the place (offset, type, size) of a member of `before` whose name is gone. */
function renamesBetween(
  before: CellAnswer[],
  after: CellAnswer[],
  kb: KernelEntry,
  ka: KernelEntry,
  only?: string,
): Rename[] {
  const namesBefore = new Set(before.map((c) => baseName(c.name)));
  const namesAfter = new Set(after.map((c) => baseName(c.name)));
  const out: Rename[] = [];
  for (const old of before) {
    const from = baseName(old.name);
    if (namesAfter.has(from) || (only !== undefined && from !== only)) continue;
    const successor = after.find(
      (c) =>
        !namesBefore.has(baseName(c.name)) &&
        c.offset === old.offset &&
        c.size === old.size &&
        c.type === old.type &&
        c.bits === old.bits,
    );
    if (successor)
      out.push({
        from,
        to: baseName(successor.name),
        type: old.type,
        offset: old.offset,
        size: old.size,
        before: ref(kb),
        after: ref(ka),
      });
  }
  return out;
}

/** Kernels in version order within each arch (the caller sorts). */
export function memberHistory(
  cache: LayoutCache,
  kernels: KernelEntry[],
  struct: string,
  path: string,
): MemberHistory {
  const places = cache.members(kernels, struct, path);
  const { runs, runOf } = runsOf(kernels, places, (p) =>
    p.state === 'present' ? `${p.offset}|${p.size}|${p.type}|${p.bits}` : p.state,
  );
  const present = kernels.filter((_, i) => places[i]!.state === 'present');
  // the member's row in flattened names (`se.vruntime`); a rename is looked for at that level
  const renames: Rename[] = [];
  for (let i = 1; i < kernels.length; i++) {
    const was = places[i - 1]!;
    const now = places[i]!;
    if (was.state !== 'present' || now.state !== 'absent' || kernels[i - 1]!.arch !== kernels[i]!.arch)
      continue;
    const before = cache.layout(kernels[i - 1]!, struct);
    const after = cache.layout(kernels[i]!, struct);
    if (before && after)
      renames.push(
        ...renamesBetween(before.cells, after.cells, kernels[i - 1]!, kernels[i]!, baseName(was.member)),
      );
  }
  return {
    struct,
    member: path,
    kernels: kernels.map((k, i) => ({ ...ref(k), run: runOf[i]!, place: places[i]! })),
    runs,
    ...(present.length
      ? { firstPresent: ref(present[0]!), lastPresent: ref(present[present.length - 1]!) }
      : {}),
    renames,
  };
}

export function structHistory(cache: LayoutCache, kernels: KernelEntry[], struct: string): StructHistory {
  const layouts = cache.layouts(kernels, struct);
  const { runs, runOf } = runsOf(kernels, layouts, (l) => cache.signature(l));
  const members = new Map<string, { name: string; first: KernelRef; last: KernelRef; kernels: number }>();
  kernels.forEach((k, i) => {
    for (const c of layouts[i]?.cells ?? []) {
      const name = baseName(c.name);
      const m = members.get(name);
      if (m) {
        m.last = ref(k);
        m.kernels++;
      } else members.set(name, { name, first: ref(k), last: ref(k), kernels: 1 });
    }
  });
  const renames: Rename[] = [];
  for (let r = 1; r < runs.length; r++) {
    const before = runs[r - 1]!;
    const after = runs[r]!;
    if (!before.layout || !after.layout || before.last.arch !== after.first.arch) continue;
    const kb = kernels.find((k) => k.ver === before.last.ver && k.arch === before.last.arch)!;
    const ka = kernels.find((k) => k.ver === after.first.ver && k.arch === after.first.arch)!;
    renames.push(...renamesBetween(before.layout.cells, after.layout.cells, kb, ka));
  }
  const present = kernels.filter((_, i) => layouts[i] !== null);
  const distinct: NonNullable<StructLayout>[] = [];
  const indexOf = new Map<string, number>();
  const indexed = runs.map((r) => {
    if (!r.layout) return { ...r, layout: -1 };
    const sig = cache.signature(r.layout);
    let ix = indexOf.get(sig);
    if (ix === undefined) {
      ix = distinct.push(r.layout) - 1;
      indexOf.set(sig, ix);
    }
    return { ...r, layout: ix };
  });
  return {
    struct: layouts.find((l) => l)?.name ?? struct,
    layouts: distinct,
    kernels: kernels.map((k, i) => ({
      ...ref(k),
      run: runOf[i]!,
      present: layouts[i] !== null,
      ...(layouts[i] ? { size: layouts[i]!.size } : {}),
    })),
    runs: indexed,
    ...(present.length
      ? { firstPresent: ref(present[0]!), lastPresent: ref(present[present.length - 1]!) }
      : {}),
    members: [...members.values()],
    renames,
  };
}
