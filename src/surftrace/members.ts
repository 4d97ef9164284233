import type { CellInfo, KernelTypes, StructInfo } from './kernel-types.js';
import { NET_STRUCTS, withPayloadViews } from './net-structs.js';
import { exprFail } from './syntax.js';
import { baseName, castType, firstIndex, stripPointer, structType } from './type-text.js';

/** What the last step of a chain read: a member row, or only a type (a cast, an argument). */
interface Last {
  type: string;
  name?: string;
  size?: number;
}

const NESTED = 'struct';
const SIZE_BITS: Record<number, number> = { 1: 8, 2: 16, 4: 32, 8: 64 };

/**
 * Walks `[type, op, member, ...]` and builds the fetch argument: each `->`
 * dereferences (`+0xOFF(inner)`), each `.` adds to the current offset, a
 * by-value struct member is reached through its flattened `a.b.c` row.
 */
export class MemberResolver {
  constructor(
    private readonly types: KernelTypes,
    private readonly format: 'u' | 's' | 'x',
  ) {}

  resolve(cells: string[], base: string): string {
    let fx = base;
    const first = cells[0] as string;
    if (first === '') {
      if (cells.length > 1) {
        exprFail(
          `${base[0] === '$' ? base : '@symbol'} has no type here: cast it, e.g. !(struct file *)${base[0] === '$' ? base : '@symbol'}->member`,
        );
      }
      return fx;
    }
    let last: Last = { type: first.includes('(') ? castType(first) : first };
    let path = '';
    let ownerText = '';
    let ownerType = '';
    let mode = '->';
    let owner: StructInfo | null = null;
    for (let i = 0; i + 2 < cells.length; i += 2) {
      const [cast, member] = this.memberCast(cells[i + 2] as string);
      if (path === '') {
        ownerText = cells[i] as string;
        mode = cells[i + 1] as string;
        path = member;
        let t = ownerText;
        if ('(@!'.includes(t[0] as string)) t = castType(t);
        if (mode === '.' && t.endsWith('*')) exprFail(`${t} is a point, should use '->' to get member`);
        if (mode === '->' && !t.endsWith('*')) exprFail(`${t} is a type, should use '.' to get member`);
        const st = structType(t);
        if (st === null)
          return exprFail(`${t} is not a legal struct type (only struct and union pointers have members)`);
        ownerType = st;
        owner = this.struct(st);
        if (!owner) exprFail(`${st} is not a valid struct in database.`, 'STRUCT_NOT_FOUND');
      } else {
        path = `${path}.${member}`;
      }
      const cell = findMember(path, owner as StructInfo);
      if (!cell) return exprFail(`${path} is not a member in ${ownerType}`, 'MEMBER_NOT_FOUND');
      last = cell;
      if (cell.type !== NESTED) {
        checkIndex(path, cell);
        fx = this.step(fx, path, ownerText, mode);
        path = '';
      }
      if (cast === null) cells[i + 2] = cell.type;
      else {
        cells[i + 2] = cast;
        last = { type: cast };
      }
    }
    return this.suffix(fx, last);
  }

  /** `!(struct x *)name` inside a chain reads `name`, then treats it as that type. */
  private memberCast(text: string): [string | null, string] {
    if (!text.startsWith('!(')) return [null, text];
    const end = text.indexOf(')');
    return [castType(text.slice(0, end + 1)), text.slice(end + 1)];
  }

  private struct(name: string): StructInfo | null {
    const s = this.types.struct(stripPointer(name));
    return s ? withPayloadViews(s) : null;
  }

  private step(fx: string, member: string, ownerText: string, mode: string): string {
    if (ownerText.startsWith('@')) {
      if (mode !== '->') exprFail('net struct process should in -> mode.');
      const layer = Number(/l([234])/.exec(ownerText)?.[1] ?? 3);
      return this.packetView(fx, member, castType(ownerText), layer);
    }
    const off = this.memberOffset(
      member,
      '(!'.includes(ownerText[0] as string) ? castType(ownerText) : ownerText,
    );
    return mode === '.' ? addToOffset(fx, off) : deref(fx, off);
  }

  /** `@(struct iphdr *)l3%0->saddr`: a header inside skb->data, which starts at layer 2, 3 or 4. */
  private packetView(fx: string, member: string, header: string, layer: number): string {
    const name = stripPointer(header).replace(/\b(?:const|volatile)\s+/g, '');
    if (!NET_STRUCTS.includes(name))
      exprFail(`type: ${name} is no not a legal struct (use ${NET_STRUCTS.join(', ')})`);
    const data = deref(fx, this.memberOffset('data', 'struct sk_buff'));
    let off = 0;
    if (name === 'struct ethhdr') {
      if (layer !== 2) exprFail(`can not get ethhdr at layer${layer}`);
      return deref(data, this.memberOffset(member, name));
    }
    if (layer === 2) off += this.structSize('struct ethhdr');
    if (name === 'struct iphdr') {
      if (layer > 3) exprFail(`can not get iphdr at layer${layer}`);
      return deref(data, off + this.memberOffset(member, name));
    }
    if (layer < 4) off += this.structSize('struct iphdr');
    return deref(data, off + this.memberOffset(member, name));
  }

  private structSize(name: string): number {
    const s = this.struct(name);
    if (!s) return exprFail(`${name} is not a valid struct in database.`, 'STRUCT_NOT_FOUND');
    return s.size;
  }

  /** Byte offset of `member` (`a.b`, `arr[3]`) in the struct `structText` names. */
  private memberOffset(member: string, structText: string): number {
    const structName = stripPointer(baseName(structText)).replace(/\b(?:const|volatile)\s+/g, '');
    const idx = firstIndex(member);
    let add = idx === null ? 0 : Number(idx);
    const want = baseName(member);
    const s = this.struct(structName);
    if (!s) return exprFail(`${structName} is not a valid struct in database.`, 'STRUCT_NOT_FOUND');
    for (const cell of s.cells) {
      if (baseName(cell.name) !== want) continue;
      if (add > 0) {
        const dim = firstIndex(cell.name);
        if (dim === '' || dim === null) {
          add *= this.typeSize(cell.type); // flexible array: one element per index
        } else {
          const max = Number(dim);
          if (max > 0 && max <= add) exprFail(`member ${want} max index is ${max}, input ${add}, overflow`);
          add *= Math.trunc(cell.size / max);
        }
      }
      return cell.offset + add;
    }
    return exprFail(`there is not member named ${want} in ${structName}`, 'MEMBER_NOT_FOUND');
  }

  private typeSize(type: string): number {
    const t = this.types.type(type);
    if (!t) return exprFail(`get type ${type} failed`, 'TYPE_NOT_FOUND');
    return t.size;
  }

  /** `:string` for char arrays and char pointers, else `:u32`-style by size. */
  private suffix(fx: string, last: Last): string {
    const t = last.type;
    if (t.includes('char *')) return `+0x0(${fx}):string`;
    if ((t === 'char' || t.includes(' char')) && last.name?.includes('[')) return `${fx}:string`;
    if (t === NESTED) return exprFail('the last member is a struct; name one of its members');
    const size =
      last.name !== undefined && !last.name.includes('[') ? (last.size as number) : this.typeSize(t);
    const bits = SIZE_BITS[size];
    if (bits === undefined) return exprFail(`last cell type: ${t}, can not show.`);
    return `${fx}:${this.format}${bits}`;
  }
}

/**
 * The first row for `path`: exact (dimensions ignored), or a marker that the
 * path names a by-value struct whose members are flattened as `path.x`.
 */
function findMember(path: string, s: StructInfo): CellInfo | { type: string } | null {
  const indexed = path.includes('[');
  const want = baseName(path);
  for (const cell of s.cells) {
    if (indexed && !cell.name.includes('[')) continue;
    const name = baseName(cell.name);
    if (name === want) return cell;
    if (!indexed && name.startsWith(`${want}.`)) return { type: NESTED };
  }
  return null;
}

/** An array member needs an index in range (char arrays read as strings need none). */
function checkIndex(path: string, cell: CellInfo | { type: string }): void {
  if (!('name' in cell) || cell.type === 'char' || !cell.name.includes('[')) return;
  const given = firstIndex(path);
  if (given === null) exprFail(`member ${cell.name} is an array, should add [, member is ${path}`);
  const dim = firstIndex(cell.name) as string;
  if (dim === '') return;
  if (Number(given) >= Number(dim)) exprFail(`${cell.name} max index is ${dim}, you set ${given}, overflow`);
}

const deref = (fx: string, off: number): string => `+0x${off.toString(16)}(${fx})`;

function addToOffset(fx: string, off: number): string {
  const m = /^\+0x([0-9a-f]+)\(/.exec(fx);
  if (!m) return exprFail('regs should start with ->.');
  return `+0x${(Number.parseInt(m[1] as string, 16) + off).toString(16)}(${fx.slice(m[0].length)}`;
}
