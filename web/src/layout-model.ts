/**
 * Turns a struct's flattened member rows (`se.run_node.rb_left`, offsets from
 * the outer struct, bitfields as `bit:width`) into what the layout drawing
 * shows: a tree of nested members, holes and tail padding, lanes for members
 * that share bytes (unions), and rows of a byte grid. Positions are in bits so
 * bitfields and byte members share one scale. No DOM here.
 */

export interface CellIn {
  type: string;
  name: string;
  offset: number;
  size: number;
  bits: string;
}

export interface Leaf {
  kind: 'leaf';
  /** The row's name: `se.run_node.rb_left`, `comm[16]`. */
  key: string;
  /** Last path segment: `rb_left`, `comm[16]`. */
  label: string;
  /** The member path a lookup takes (array dimensions dropped): `comm`. */
  path: string;
  depth: number;
  type: string;
  offset: number;
  size: number;
  bits: string;
  bitfield: boolean;
  start: number;
  end: number;
}

export interface Group {
  kind: 'group';
  /** The dotted prefix: `se.run_node`. */
  key: string;
  label: string;
  depth: number;
  children: Node[];
  start: number;
  end: number;
}

export type Node = Leaf | Group;

export interface Gap {
  kind: 'hole' | 'padding';
  key: string;
  start: number;
  end: number;
}

/** Something drawn in the grid: a leaf, a collapsed group, or a gap. */
export type Item = Leaf | Group | Gap;

export const isGap = (item: Item): item is Gap => item.kind === 'hole' || item.kind === 'padding';

export interface Model {
  name: string;
  size: number;
  roots: Node[];
  leaves: Leaf[];
  gaps: Gap[];
}

const BITS = /^([0-9]+):([0-9]+);?$/;

function stripDims(segment: string): string {
  const at = segment.indexOf('[');
  return at < 0 ? segment : segment.slice(0, at);
}

function toLeaf(c: CellIn): Leaf {
  const segments = c.name.split('.');
  const m = BITS.exec(c.bits);
  const bitfield = m !== null;
  const start = c.offset * 8 + (m ? Number(m[1]) : 0);
  const end = m ? start + Number(m[2]) : (c.offset + c.size) * 8;
  return {
    kind: 'leaf',
    key: c.name,
    label: segments[segments.length - 1] ?? c.name,
    path: segments.map(stripDims).join('.'),
    depth: segments.length - 1,
    type: c.type,
    offset: c.offset,
    size: c.size,
    bits: c.bits.replace(/;$/, ''),
    bitfield,
    start,
    end,
  };
}

/** Nested members become groups keyed by their dotted prefix, in declaration order. */
function buildTree(leaves: Leaf[]): Node[] {
  const roots: Node[] = [];
  const groups = new Map<string, Group>();
  for (const leaf of leaves) {
    const parts = leaf.key.split('.');
    let siblings = roots;
    let prefix = '';
    for (let i = 0; i < parts.length - 1; i++) {
      prefix = prefix ? `${prefix}.${parts[i]}` : (parts[i] as string);
      let g = groups.get(prefix);
      if (!g) {
        g = {
          kind: 'group',
          key: prefix,
          label: parts[i] as string,
          depth: i,
          children: [],
          start: leaf.start,
          end: leaf.end,
        };
        groups.set(prefix, g);
        siblings.push(g);
      }
      g.start = Math.min(g.start, leaf.start);
      g.end = Math.max(g.end, leaf.end);
      siblings = g.children;
    }
    siblings.push(leaf);
  }
  return roots;
}

/** Bit ranges no member covers: holes inside, padding after the last member. */
function findGaps(leaves: Leaf[], sizeBits: number): Gap[] {
  // a flexible array (no bytes) still marks where the members end
  const spans = leaves.map((l) => [l.start, Math.max(l.start, l.end)] as const).sort((x, y) => x[0] - y[0]);
  const gaps: Gap[] = [];
  let covered = 0;
  for (const [s, e] of spans) {
    if (s > covered) gaps.push({ kind: 'hole', key: `hole@${covered}`, start: covered, end: s });
    covered = Math.max(covered, e);
  }
  if (sizeBits > covered)
    gaps.push({ kind: 'padding', key: `padding@${covered}`, start: covered, end: sizeBits });
  return gaps;
}

export function buildModel(s: { name: string; size: number; cell: CellIn[] }): Model {
  const leaves = s.cell.map(toLeaf);
  return { name: s.name, size: s.size, roots: buildTree(leaves), leaves, gaps: findGaps(leaves, s.size * 8) };
}

/** Every group key (for "expand all"). */
export function groupKeys(nodes: Node[], out: string[] = []): string[] {
  for (const n of nodes) {
    if (n.kind === 'group') {
      out.push(n.key);
      groupKeys(n.children, out);
    }
  }
  return out;
}

/** The group keys that must be open to show the member row `key`. */
export function ancestorsOf(key: string): string[] {
  const parts = key.split('.');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('.'));
}

/** Members to draw: open groups give their children, closed ones stand for themselves. */
export function visibleNodes(nodes: Node[], open: ReadonlySet<string>, out: Node[] = []): Node[] {
  for (const n of nodes) {
    if (n.kind === 'group' && open.has(n.key)) visibleNodes(n.children, open, out);
    else out.push(n);
  }
  return out;
}

/** Gaps to draw: those inside a closed group are part of that group's block. */
export function visibleGaps(model: Model, visible: Node[]): Gap[] {
  const closed = visible.filter((n): n is Group => n.kind === 'group');
  return model.gaps.filter((g) => !closed.some((c) => g.start >= c.start && g.end <= c.end));
}

/** Greedy interval lanes: members sharing bits (union alternatives) go side by side. */
export function assignLanes(items: Item[]): Map<Item, number> {
  const sorted = [...items].sort((x, y) => x.start - y.start || y.end - y.start - (x.end - x.start));
  const laneEnds: number[] = [];
  const lanes = new Map<Item, number>();
  for (const it of sorted) {
    let lane = laneEnds.findIndex((end) => end <= it.start);
    if (lane < 0) lane = laneEnds.length;
    laneEnds[lane] = Math.max(it.end, it.start + 1);
    lanes.set(it, lane);
  }
  return lanes;
}

export interface Segment {
  item: Item;
  lane: number;
  /** Bits from the start of the row. */
  from: number;
  to: number;
  first: boolean;
  last: boolean;
}

export type GridRow =
  | { kind: 'row'; offset: number; lanes: number; segments: Segment[] }
  /** Rows that lie wholly inside one member, folded away. */
  | { kind: 'fold'; from: number; to: number; item: Item };

/** Splits items into grid rows of `bytesPerRow`, folding long runs inside one member. */
export function gridRows(
  items: Item[],
  lanes: Map<Item, number>,
  sizeBytes: number,
  bytesPerRow: number,
): GridRow[] {
  const rowBits = bytesPerRow * 8;
  const totalBits = Math.max(sizeBytes * 8, ...items.map((i) => i.end));
  const count = Math.max(1, Math.ceil(totalBits / rowBits));
  const rows: Segment[][] = Array.from({ length: count }, () => []);
  for (const item of items) {
    const lane = lanes.get(item) ?? 0;
    const endBit = Math.max(item.end, item.start);
    const firstRow = Math.floor(item.start / rowBits);
    const lastRow = endBit > item.start ? Math.floor((endBit - 1) / rowBits) : firstRow;
    for (let r = firstRow; r <= lastRow && r < count; r++) {
      const base = r * rowBits;
      rows[r]!.push({
        item,
        lane,
        from: Math.max(item.start, base) - base,
        to: Math.min(endBit, base + rowBits) - base,
        first: r === firstRow,
        last: r === lastRow,
      });
    }
  }
  const soleFull = (r: number): Item | undefined => {
    const segs = rows[r];
    if (segs?.length !== 1) return undefined;
    const s = segs[0]!;
    return s.from === 0 && s.to === rowBits ? s.item : undefined;
  };
  const out: GridRow[] = [];
  for (let r = 0; r < count; r++) {
    const it = soleFull(r);
    if (it && r > 0 && r < count - 1 && soleFull(r - 1) === it && soleFull(r + 1) === it) {
      const prev = out[out.length - 1];
      if (prev?.kind === 'fold' && prev.item === it) prev.to = (r + 1) * bytesPerRow;
      else out.push({ kind: 'fold', from: r * bytesPerRow, to: (r + 1) * bytesPerRow, item: it });
      continue;
    }
    const segs = rows[r]!;
    const laneCount = segs.reduce((m, s) => Math.max(m, s.lane + 1), 1);
    out.push({ kind: 'row', offset: r * bytesPerRow, lanes: laneCount, segments: segs });
  }
  return out;
}

/** `12 bytes`, `3 bits`, `1 byte 5 bits`. */
export function bitsText(bits: number): string {
  const bytes = Math.floor(bits / 8);
  const rest = bits % 8;
  const parts: string[] = [];
  if (bytes) parts.push(`${bytes} byte${bytes === 1 ? '' : 's'}`);
  if (rest || !bytes) parts.push(`${rest} bit${rest === 1 ? '' : 's'}`);
  return parts.join(' ');
}

export const hex = (n: number) => `0x${n.toString(16)}`;

/** A colour family by what a member holds, so pointers, integers and arrays read apart. */
export function typeClass(item: Item): string {
  if (isGap(item)) return item.kind;
  if (item.kind === 'group') return 'nested';
  if (item.bitfield) return 'bitfield';
  if (item.type.includes('(*)')) return 'funcptr';
  if (item.type.trim().endsWith('*')) return 'pointer';
  if (item.key.includes('[')) return 'array';
  if (/^(struct|union)\b/.test(item.type)) return 'nested';
  return 'scalar';
}
