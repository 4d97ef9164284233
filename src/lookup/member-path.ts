import { SurfhiveError } from '../errors/codes.js';
import type { CellAnswer, MemberLocation } from './answers.js';
import type { KernelDbHandle } from './kernel-db-handle.js';
import { structCells, structRow, typeByName } from './queries.js';

export type { MemberLocation } from './answers.js';

/** One step of a member path: `run_node`, `comm[3]`, `stats[1][2]`. */
export interface PathSegment {
  name: string;
  indices: number[];
}

export const MEMBER_PATH_PATTERN =
  '^[A-Za-z_][A-Za-z0-9_]*(\\[[0-9]{1,9}\\])*(\\.[A-Za-z_][A-Za-z0-9_]*(\\[[0-9]{1,9}\\])*){0,31}$';
const PATH_RE = new RegExp(MEMBER_PATH_PATTERN);
const SEGMENT_RE = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[[0-9]+\])*)$/;
const MAX_DEPTH = 16;

export function parseMemberPath(path: string): PathSegment[] {
  if (path.length > 512 || !PATH_RE.test(path)) {
    throw new SurfhiveError('INVALID_FIELD', 'member path must look like a.b.c or name[3]');
  }
  return path.split('.').map((seg) => {
    const m = SEGMENT_RE.exec(seg)!;
    const indices = [...(m[2] ?? '').matchAll(/\[([0-9]+)\]/g)].map((x) => Number(x[1]));
    return { name: m[1]!, indices };
  });
}

/** `comm[16]` → name `comm`, dims [16]; `cpu_bitmap[]` → dims [0] (flexible). */
export function splitDims(rowName: string): { base: string; dims: number[] } {
  const at = rowName.indexOf('[');
  if (at < 0) return { base: rowName, dims: [] };
  const dims = [...rowName.slice(at).matchAll(/\[([0-9]*)\]/g)].map((x) => (x[1] ? Number(x[1]) : 0));
  return { base: rowName.slice(0, at), dims };
}

const stripQualifiers = (t: string) => t.replace(/\b(const|volatile)\s+/g, '').trim();

/** sizeof a type string, from the database's own rows. */
export function sizeOfType(h: KernelDbHandle, type: string): number | undefined {
  const t = stripQualifiers(type);
  if (t.endsWith('*')) return typeByName(h, '_')?.size;
  if (/^enum\b/.test(t)) return 4;
  const s = structRow(h, t);
  if (s) return s.bytes;
  return typeByName(h, t)?.size;
}

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

function findRow(
  cells: CellAnswer[],
  segs: PathSegment[],
): { row: CellAnswer; used: number; dims: number[] } | undefined {
  for (let k = segs.length; k >= 1; k--) {
    if (segs.slice(0, k - 1).some((s) => s.indices.length > 0)) continue;
    const key = segs
      .slice(0, k)
      .map((s) => s.name)
      .join('.');
    for (const row of cells) {
      const { base, dims } = splitDims(row.name);
      if (base === key) return { row, used: k, dims };
    }
  }
  return undefined;
}

/** The struct rows a member path is resolved against: one kernel's database, or a copy of its layouts. */
export interface StructSource {
  /** The cells of the struct row named exactly `name` (the first such row). */
  cells(name: string): CellAnswer[] | undefined;
  /** Element size of an array row whose dimensions do not give it (`x[]`): sizeof its type. */
  elementSize(row: CellAnswer): number | undefined;
}

export const dbStructSource = (h: KernelDbHandle): StructSource => ({
  cells: (name) => {
    const s = structRow(h, name);
    return s ? structCells(h, s.id) : undefined;
  },
  elementSize: (row) => sizeOfType(h, row.type),
});

/** Whether resolving into this row asks `elementSize` (an unknown dimension). */
export const needsElementSize = (rowName: string) => splitDims(rowName).dims.includes(0);

/**
 * Where a member path lands inside a struct: `se.run_node.rb_left` (flattened
 * names), `comm[3]` (offset + 3 × element size, element type), and paths that
 * continue into a struct held by value through an array or typedef
 * (`pid_links[1].next`, `mm_users.counter`).
 */
export function resolveMemberPath(h: KernelDbHandle, structName: string, path: string): MemberLocation {
  return resolveMemberPathIn(dbStructSource(h), structName, path);
}

export function resolveMemberPathIn(src: StructSource, structName: string, path: string): MemberLocation {
  let segs = parseMemberPath(path);
  let current = structName;
  let base = 0;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const cells = src.cells(current);
    if (!cells) {
      throw depth === 0
        ? new SurfhiveError('STRUCT_NOT_FOUND', `no ${current} in this kernel`)
        : new SurfhiveError(
            'MEMBER_NOT_FOUND',
            `the layout of ${current} (in ${structName}) is not in this kernel`,
          );
    }
    const found = findRow(cells, segs);
    if (!found) {
      const whole = segs.map((x) => x.name).join('.');
      const nested = cells.some((c) => c.name.startsWith(`${whole}.`));
      throw new SurfhiveError(
        'MEMBER_NOT_FOUND',
        nested
          ? `${whole} is a nested struct in ${current}; ask for one of its members`
          : `${current} has no member ${whole}`,
      );
    }
    const { row, used, dims } = found;
    const indices = segs[used - 1]!.indices;
    if (indices.length > dims.length) throw new SurfhiveError('INVALID_FIELD', 'too many array indices');
    const known = dims.every((d) => d > 0);
    const elem =
      known && dims.length ? row.size / product(dims) : dims.length ? src.elementSize(row) : row.size;
    if (elem === undefined) throw new SurfhiveError('MEMBER_NOT_FOUND', 'element size unknown');
    let offset = base + row.offset;
    indices.forEach((ix, i) => {
      const dim = dims[i]!;
      if (dim > 0 && ix >= dim) throw new SurfhiveError('INVALID_FIELD', 'array index out of range');
      offset += ix * elem * product(dims.slice(i + 1));
    });
    const rest = dims.slice(indices.length);
    const type = rest.length ? `${row.type} ${rest.map((d) => `[${d || ''}]`).join('')}` : row.type;
    const size = rest.length ? elem * product(rest) : dims.length ? elem : row.size;
    if (used === segs.length) {
      return { struct: structName, path, member: row.name, type, offset, size, bits: row.bits };
    }
    if (rest.length) throw new SurfhiveError('INVALID_FIELD', 'index the array before naming a member in it');
    if (stripQualifiers(row.type).endsWith('*')) {
      throw new SurfhiveError('INVALID_FIELD', 'the path goes through a pointer; a layout ends there');
    }
    current = stripQualifiers(row.type);
    base = offset;
    segs = segs.slice(used);
  }
  throw new SurfhiveError('INVALID_FIELD', 'member path nests too deep');
}
