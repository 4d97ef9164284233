import type { ArtifactFile } from '../hive/registry.js';
import type { CellAnswer } from '../lookup/answers.js';
import { KernelDbHandle } from '../lookup/kernel-db-handle.js';
import { needsElementSize, sizeOfType } from '../lookup/member-path.js';
import type { StoredLayout } from './layout-index.js';

/**
 * Every struct row of one kernel database as the history reads it (`structRow` +
 * `structCells`: the first row of a name, its members in row order), plus the element
 * sizes that resolving a path into a `x[]` row would look up in that kernel's rows.
 */
export function readKernelLayouts(db: ArtifactFile): Map<string, StoredLayout> {
  const h = new KernelDbHandle(db.path, `layout-index:${db.path}`);
  try {
    const structs = h.statement('SELECT id, name, bytes FROM structs ORDER BY id').all() as {
      id: number;
      name: string;
      bytes: number;
    }[];
    const cellsOf = new Map<number, CellAnswer[]>();
    for (const m of h
      .statement('SELECT fid, types, name, offset, bytes, bits FROM members ORDER BY id')
      .iterate() as Iterable<{
      fid: number;
      types: string;
      name: string;
      offset: number;
      bytes: number;
      bits: string | null;
    }>) {
      let cells = cellsOf.get(m.fid);
      if (!cells) {
        cells = [];
        cellsOf.set(m.fid, cells);
      }
      cells.push({ type: m.types, name: m.name, offset: m.offset, size: m.bytes, bits: m.bits ?? '' });
    }
    const out = new Map<string, StoredLayout>();
    for (const s of structs) {
      if (out.has(s.name)) continue;
      const cells = cellsOf.get(s.id) ?? [];
      const elements: Record<number, number | null> = {};
      cells.forEach((c, i) => {
        if (needsElementSize(c.name)) elements[i] = sizeOfType(h, c.type) ?? null;
      });
      out.set(s.name, { size: s.bytes, cells, elements });
    }
    return out;
  } finally {
    h.db.close();
  }
}
