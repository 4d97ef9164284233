import type { KernelEntry } from '../hive/registry.js';
import type { CellAnswer } from '../lookup/answers.js';
import type { KernelLookup } from '../lookup/kernel-lookup.js';
import { dbStructSource } from '../lookup/member-path.js';
import { structByTag, structCells } from '../lookup/queries.js';
import type { LayoutIndexKeeper } from './index-keeper.js';
import type { IndexedLayout, LayoutIndex } from './layout-index.js';
import { IndexedPlaces, type MemberPlace, placeOf } from './member-places.js';

export type { MemberPlace } from './member-places.js';

/** A struct as one kernel lays it out, or null when that kernel has no such struct. */
export type StructLayout = { name: string; size: number; cells: CellAnswer[] } | null;

/** The struct row names a caller's name may mean, in `structByTag`'s order of preference. */
const rowNames = (struct: string) =>
  struct.includes(' ') ? [struct] : [struct, `struct ${struct}`, `union ${struct}`];

/**
 * Per-kernel struct layouts and member places. They come from the hive's layout index
 * (one file for every kernel) for kernels it holds as the registry sees them, otherwise
 * from each kernel's database (and that kernel is handed to the index keeper). Answers are
 * kept under each database's identity (inode, size, mtime as the registry saw them): a
 * database is immutable until replaced, so a warm history touches no file at all.
 * Bounded by entry count, least recently used first out.
 */
export class LayoutCache {
  private readonly entries = new Map<string, StructLayout | MemberPlace>();
  /** Cached layouts never change: each is serialized once. */
  private readonly signatures = new WeakMap<object, string>();
  /** One answer object per indexed layout, so that its signature is made once. */
  private readonly views = new WeakMap<IndexedLayout, NonNullable<StructLayout>>();
  private readonly places = new IndexedPlaces();

  constructor(
    private readonly lookup: KernelLookup,
    private readonly keeper?: LayoutIndexKeeper,
    private readonly maxEntries = 200_000,
  ) {}

  layout(k: KernelEntry, struct: string): StructLayout {
    return this.layouts([k], struct)[0]!;
  }

  member(k: KernelEntry, struct: string, path: string): MemberPlace {
    return this.members([k], struct, path)[0]!;
  }

  layouts(kernels: KernelEntry[], struct: string): StructLayout[] {
    return this.batch(
      kernels,
      `s\0${struct}`,
      (index, _kernelId, at): StructLayout => (at ? this.view(index.layout(at.layout, at.name)) : null),
      (k) =>
        this.lookup.query(k, (h) => {
          const row = structByTag(h, struct);
          return row ? { name: row.name, size: row.bytes, cells: structCells(h, row.id) } : null;
        }),
      struct,
    );
  }

  members(kernels: KernelEntry[], struct: string, path: string): MemberPlace[] {
    return this.batch(
      kernels,
      `m\0${struct}\0${path}`,
      (index, kernelId, at): MemberPlace =>
        at
          ? this.places.place(index, kernelId, at.layout, index.layout(at.layout, at.name), path)
          : { state: 'no-struct' },
      (k) =>
        this.lookup.query(k, (h): MemberPlace => {
          const row = structByTag(h, struct);
          return row ? placeOf(dbStructSource(h), row.name, path) : { state: 'no-struct' };
        }),
      struct,
    );
  }

  /**
   * Answers for every kernel: cached ones first, then the index in one pass for the kernels
   * it holds, then each remaining kernel's database.
   */
  private batch<T extends StructLayout | MemberPlace>(
    kernels: KernelEntry[],
    what: string,
    fromIndex: (index: LayoutIndex, kernelId: number, top: { name: string; layout: number } | undefined) => T,
    fromDb: (k: KernelEntry) => T,
    struct: string,
  ): T[] {
    const out = new Array<T>(kernels.length);
    const keys = kernels.map((k) => this.key(k, what));
    const missing: number[] = [];
    kernels.forEach((_, i) => {
      const hit = this.entries.get(keys[i]!);
      if (hit === undefined) missing.push(i);
      else {
        this.entries.delete(keys[i]!);
        this.entries.set(keys[i]!, hit);
        out[i] = hit as T;
      }
    });
    if (missing.length === 0) return out;
    const index = this.keeper?.get();
    const indexed = index ? this.keeper!.current(missing.map((i) => kernels[i]!)) : new Map();
    const placed =
      index && indexed.size
        ? index.placements(new Set([...indexed.values()].map((r) => r.id)), rowNames(struct))
        : new Map<number, { name: string; layout: number }>();
    for (const i of missing) {
      const k = kernels[i]!;
      const row = indexed.get(k);
      let value: T;
      if (index && row) {
        value = fromIndex(index, row.id, placed.get(row.id));
      } else {
        value = fromDb(k);
        this.keeper?.enqueue(k);
      }
      out[i] = value;
      this.entries.set(keys[i]!, value);
    }
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return out;
  }

  private view(l: IndexedLayout): NonNullable<StructLayout> {
    let v = this.views.get(l);
    if (!v) {
      v = { name: l.name, size: l.size, cells: l.cells };
      this.views.set(l, v);
    }
    return v;
  }

  private key(k: KernelEntry, what: string): string {
    const db = k.artifacts.db;
    return `${db?.path}\0${db?.ino}\0${db?.size}\0${db?.mtimeMs}\0${what}`;
  }

  /** A string equal for equal layouts (runs are made of kernels with the same one). */
  signature(l: StructLayout): string {
    if (!l) return '';
    let sig = this.signatures.get(l);
    if (sig === undefined) {
      sig = `${l.size}\n${l.cells.map((c) => `${c.name}|${c.type}|${c.offset}|${c.size}|${c.bits}`).join('\n')}`;
      this.signatures.set(l, sig);
    }
    return sig;
  }
}
