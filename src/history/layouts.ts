import { isSurfhiveError } from '../errors/codes.js';
import type { KernelEntry } from '../hive/registry.js';
import type { CellAnswer } from '../lookup/answers.js';
import type { KernelLookup } from '../lookup/kernel-lookup.js';
import { resolveMemberPath } from '../lookup/member-path.js';
import { structByTag, structCells } from '../lookup/queries.js';

/** A struct as one kernel lays it out, or null when that kernel has no such struct. */
export type StructLayout = { name: string; size: number; cells: CellAnswer[] } | null;

/** Where a member path lands in one kernel; `absent` when the struct has no such member. */
export type MemberPlace =
  | { state: 'present'; offset: number; size: number; type: string; bits: string; member: string }
  | { state: 'absent' }
  | { state: 'no-struct' };

/**
 * Per-kernel struct layouts and member places, cached under each database's
 * identity (inode, size, mtime as the registry saw them): a database is
 * immutable until replaced, so a warm history touches no database at all.
 * Bounded by entry count, least recently used first out.
 */
export class LayoutCache {
  private readonly entries = new Map<string, StructLayout | MemberPlace>();
  /** Cached layouts never change: each is serialized once. */
  private readonly signatures = new WeakMap<object, string>();

  constructor(
    private readonly lookup: KernelLookup,
    private readonly maxEntries = 200_000,
  ) {}

  layout(k: KernelEntry, struct: string): StructLayout {
    return this.cached(k, `s\0${struct}`, () =>
      this.lookup.query(k, (h) => {
        const row = structByTag(h, struct);
        return row ? { name: row.name, size: row.bytes, cells: structCells(h, row.id) } : null;
      }),
    ) as StructLayout;
  }

  member(k: KernelEntry, struct: string, path: string): MemberPlace {
    return this.cached(k, `m\0${struct}\0${path}`, () =>
      this.lookup.query(k, (h): MemberPlace => {
        const row = structByTag(h, struct);
        if (!row) return { state: 'no-struct' };
        try {
          const at = resolveMemberPath(h, row.name, path);
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
      }),
    ) as MemberPlace;
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

  private cached<T extends StructLayout | MemberPlace>(k: KernelEntry, what: string, make: () => T): T {
    const db = k.artifacts.db;
    const key = `${db?.path}\0${db?.ino}\0${db?.size}\0${db?.mtimeMs}\0${what}`;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit as T;
    }
    const value = make();
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return value;
  }
}
