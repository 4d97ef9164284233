import { badBtf } from './header.js';
import type { Btf, BtfKind, BtfType } from './types.js';

/** Longest allowed reference chain; real kernels stay far below (tens). Bounds recursion elsewhere. */
export const MAX_TYPE_DEPTH = 512;

const NOT_A_TYPE: ReadonlySet<BtfKind> = new Set(['func', 'var', 'datasec', 'decl_tag']);
const NOT_AN_OBJECT: ReadonlySet<BtfKind> = new Set([...NOT_A_TYPE, 'void', 'func_proto']);
const NOT_A_RESULT: ReadonlySet<BtfKind> = new Set([...NOT_A_TYPE, 'func_proto']);
const ANY: ReadonlySet<BtfKind> = new Set();
const TAGGABLE: ReadonlySet<BtfKind> = new Set(['struct', 'union', 'func', 'var', 'typedef']);

/**
 * Checks that every reference of this blob's own types is in range and points
 * at a kind that makes sense there, and that no type contains itself by
 * reference (typedef A -> const -> A) or by value (struct A { struct A a; }).
 */
export function validateTypes(btf: Btf): void {
  for (const t of btf.types) checkRefs(btf, t);
  checkAcyclic(btf, namingEdges, 'its own declaration');
  checkAcyclic(btf, containmentEdges, 'its own layout');
}

function target(btf: Btf, from: BtfType, to: number, banned: ReadonlySet<BtfKind>, role: string): BtfType {
  if (to >= btf.typeCount) badBtf(`type ${from.id}: ${role} refers to missing type ${to}`);
  const t = btf.type(to);
  if (banned.has(t.kind)) badBtf(`type ${from.id}: ${role} cannot be a ${t.kind}`);
  return t;
}

function checkRefs(btf: Btf, t: BtfType): void {
  switch (t.kind) {
    case 'ptr':
    case 'typedef':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'type_tag':
      target(btf, t, t.type, NOT_A_TYPE, `${t.kind} target`);
      return;
    case 'array':
      target(btf, t, t.type, NOT_AN_OBJECT, 'array element');
      target(btf, t, t.indexType, NOT_A_TYPE, 'array index');
      return;
    case 'struct':
    case 'union':
      for (const [i, m] of t.members.entries()) target(btf, t, m.type, NOT_AN_OBJECT, `member ${i}`);
      return;
    case 'func':
      if (target(btf, t, t.type, NOT_A_TYPE, 'function type').kind !== 'func_proto')
        badBtf(`type ${t.id}: function type is not a prototype`);
      return;
    case 'func_proto':
      target(btf, t, t.ret, NOT_A_RESULT, 'return type');
      for (const [i, p] of t.params.entries()) target(btf, t, p.type, NOT_AN_OBJECT, `parameter ${i}`);
      return;
    case 'var':
      target(btf, t, t.type, NOT_AN_OBJECT, 'variable type');
      return;
    case 'datasec':
      for (const [i, v] of t.vars.entries()) {
        const k = target(btf, t, v.type, ANY, `section entry ${i}`).kind;
        if (k !== 'var' && k !== 'func') badBtf(`type ${t.id}: section entry ${i} is not a variable`);
      }
      return;
    case 'decl_tag': {
      const tagged = target(btf, t, t.type, ANY, 'tag target');
      if (!TAGGABLE.has(tagged.kind)) badBtf(`type ${t.id}: a ${tagged.kind} cannot carry a declaration tag`);
      const components =
        tagged.kind === 'struct' || tagged.kind === 'union'
          ? tagged.members.length
          : tagged.kind === 'func'
            ? paramCount(btf, tagged.type)
            : 0;
      if (t.componentIdx >= components) badBtf(`type ${t.id}: tag component ${t.componentIdx} out of range`);
      return;
    }
    default:
      return;
  }
}

function paramCount(btf: Btf, protoId: number): number {
  if (protoId >= btf.typeCount) return 0;
  const p = btf.type(protoId);
  return p.kind === 'func_proto' ? p.params.length : 0;
}

/** Edges followed when spelling a type's name or resolving typedefs. */
function namingEdges(t: BtfType): readonly number[] {
  switch (t.kind) {
    case 'ptr':
    case 'typedef':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'type_tag':
    case 'var':
    case 'func':
    case 'array':
      return [t.type];
    case 'func_proto':
      return [t.ret, ...t.params.map((p) => p.type)];
    default:
      return [];
  }
}

/** Edges followed when computing a size or flattening members: by value only, never through pointers. */
function containmentEdges(t: BtfType): readonly number[] {
  switch (t.kind) {
    case 'typedef':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'type_tag':
    case 'var':
    case 'array':
      return [t.type];
    case 'struct':
    case 'union':
      return t.members.map((m) => m.type);
    default:
      return [];
  }
}

/**
 * Iterative depth-first search over this blob's own types (base types are
 * already validated and count as leaves): rejects cycles and chains deeper
 * than MAX_TYPE_DEPTH, so later recursive walks terminate with bounded stack.
 */
function checkAcyclic(btf: Btf, edgesOf: (t: BtfType) => readonly number[], what: string): void {
  const first = btf.firstId;
  const n = btf.types.length;
  const state = new Uint8Array(n); // 0 unseen, 1 on the stack, 2 done
  const depth = new Uint32Array(n);
  const ids: number[] = [];
  const edges: (readonly number[])[] = [];
  const pos: number[] = [];
  const push = (i: number) => {
    state[i] = 1;
    ids.push(i);
    edges.push(edgesOf(btf.types[i]!));
    pos.push(0);
  };
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    push(root);
    while (ids.length > 0) {
      const top = ids.length - 1;
      const out = edges[top]!;
      if (pos[top]! < out.length) {
        const to = out[pos[top]!++]!;
        if (to < first) continue;
        const j = to - first;
        if (state[j] === 1) badBtf(`type ${to} contains ${what}`);
        if (state[j] === 0) push(j);
        continue;
      }
      const i = ids[top]!;
      let d = 0;
      for (const to of out) if (to >= first) d = Math.max(d, depth[to - first]! + 1);
      if (d > MAX_TYPE_DEPTH) badBtf(`type ${i + first} nests deeper than ${MAX_TYPE_DEPTH} levels`);
      depth[i] = d;
      state[i] = 2;
      ids.pop();
      edges.pop();
      pos.pop();
    }
  }
}
