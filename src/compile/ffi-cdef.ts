import { memberLayout } from '../formats/btf/members.js';
import { BtfSizes, guessPointerSize } from '../formats/btf/sizes.js';
import type { Btf, BtfComposite, BtfEnum, BtfInt, BtfType } from '../formats/btf/types.js';

/** Names cffi already knows with the LP64 meaning; never redeclared. */
const CFFI_KNOWN = new Set([
  'bool',
  'size_t',
  'ssize_t',
  'ptrdiff_t',
  'intptr_t',
  'uintptr_t',
  'intmax_t',
  'uintmax_t',
  'wchar_t',
  'char16_t',
  'char32_t',
  ...[8, 16, 32, 64].flatMap((n) => [
    `int${n}_t`,
    `uint${n}_t`,
    `int_least${n}_t`,
    `uint_least${n}_t`,
    `int_fast${n}_t`,
    `uint_fast${n}_t`,
  ]),
]);

const C_INT_NAMES = new Set([
  'char',
  'signed char',
  'unsigned char',
  'short',
  'short int',
  'unsigned short',
  'short unsigned int',
  'int',
  'unsigned int',
  'long',
  'long int',
  'unsigned long',
  'long unsigned int',
  'long long',
  'long long int',
  'unsigned long long',
  'long long unsigned int',
  '_Bool',
]);

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const roundUp = (n: number, to: number) => (to > 1 ? Math.ceil(n / to) * to : n);

function intByWidth(size: number, signed: boolean): string {
  const base = size === 1 ? 'char' : size === 2 ? 'short' : size === 4 ? 'int' : 'long long';
  return signed ? (size === 1 ? 'signed char' : base) : `unsigned ${base}`;
}

/**
 * C declarations, in the subset Python cffi's `cdef` parses, for the types
 * reachable BY VALUE from `roots` in a BTF blob: typedef chains, structs,
 * unions and enums, each emitted once, dependencies first. Pointers become
 * `void *` (same size, nothing to declare). Where the compiler's layout
 * differs from natural alignment (aligned attributes), explicit char padding
 * keeps cffi's offsets and sizes equal to the BTF's.
 */
export function ffiDeclarations(btf: Btf, roots: readonly number[]): string {
  return new CdefWriter(btf).emitAll(roots);
}

class CdefWriter {
  private readonly out: string[] = [];
  private readonly done = new Set<number>();
  private readonly declaredNames = new Set<string>();
  private readonly sizes: BtfSizes;
  private readonly pointerSize: number;
  private padCount = 0;

  constructor(private readonly btf: Btf) {
    this.pointerSize = guessPointerSize(btf);
    this.sizes = new BtfSizes(btf, this.pointerSize);
  }

  emitAll(roots: readonly number[]): string {
    for (const id of roots) this.baseName(id);
    return this.out.length > 0 ? `${this.out.join('\n')}\n` : '';
  }

  private resolved(id: number): BtfType {
    let t = this.btf.type(id);
    while (t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'type_tag')
      t = this.btf.type(t.type);
    return t;
  }

  /** `name` declared with type `id`, e.g. `char comm[16]`. */
  private declare(id: number, name: string): string {
    let suffix = '';
    let t = this.resolved(id);
    while (t.kind === 'array') {
      suffix += `[${t.nelems}]`;
      t = this.resolved(t.type);
    }
    if (t.kind === 'int' && t.size === 16) suffix += '[2]';
    const base = this.baseName(t.id);
    return `${base}${base.endsWith('*') ? '' : ' '}${name}${suffix}`.trimEnd();
  }

  /** The type's name for use by value, declaring it (and what it contains) first. */
  private baseName(id: number): string {
    const t = this.resolved(id);
    switch (t.kind) {
      case 'void':
        return 'void';
      case 'int':
        return this.intName(t);
      case 'float':
        return t.size === 4 ? 'float' : t.size === 8 ? 'double' : 'long double';
      case 'ptr':
        return 'void *';
      case 'array':
        return this.baseName(t.type);
      case 'enum':
        return this.enumName(t);
      case 'enum64':
        return intByWidth(t.size, t.signed);
      case 'struct':
      case 'union':
        return this.compositeName(t);
      case 'fwd':
        return `${t.union ? 'union' : 'struct'} ${IDENT.test(t.name) ? t.name : 'lbc_anon'}`;
      case 'typedef':
        return this.typedefName(t.id, t.name, t.type);
      default:
        // functions by value only appear behind pointers; a byte keeps sizes sane
        return 'char';
    }
  }

  private intName(t: BtfInt): string {
    if (t.bool) return '_Bool';
    if (t.size === 16) return t.signed ? 'long long' : 'unsigned long long';
    if (C_INT_NAMES.has(t.name)) return t.name;
    return intByWidth(t.size, t.signed);
  }

  private typedefName(id: number, name: string, target: number): string {
    if (!IDENT.test(name)) return this.baseName(target);
    if (CFFI_KNOWN.has(name)) return name;
    if (!this.done.has(id) && !this.declaredNames.has(`typedef ${name}`)) {
      this.done.add(id);
      this.declaredNames.add(`typedef ${name}`);
      this.out.push(`typedef ${this.declare(target, name)};`);
    }
    return name;
  }

  private enumName(t: BtfEnum): string {
    if (t.size !== 4 || t.values.length === 0) return intByWidth(t.size, t.signed);
    const body = t.values.map((v) => `${v.name} = ${t.signed ? v.value : v.value >>> 0}`).join(', ');
    if (!IDENT.test(t.name)) return intByWidth(t.size, t.signed);
    const key = `enum ${t.name}`;
    if (!this.declaredNames.has(key)) {
      this.declaredNames.add(key);
      this.out.push(`enum ${t.name} { ${body} };`);
    }
    return key;
  }

  private compositeName(t: BtfComposite): string {
    const named = IDENT.test(t.name);
    if (!named) return `${t.kind} { ${this.members(t).join(' ')} }`;
    const key = `${t.kind} ${t.name}`;
    if (!this.declaredNames.has(key)) {
      this.declaredNames.add(key);
      const members = this.members(t);
      this.out.push(`${key} {\n${members.map((m) => `  ${m}`).join('\n')}\n};`);
    }
    return key;
  }

  /** Alignment cffi will give the rendered type. */
  private align(id: number): number {
    const t = this.resolved(id);
    switch (t.kind) {
      case 'int':
        return Math.min(t.size, 8);
      case 'float':
        return t.size;
      case 'enum':
      case 'enum64':
        return t.size;
      case 'ptr':
        return this.pointerSize;
      case 'array':
        return this.align(t.type);
      case 'typedef':
        return this.align(t.type);
      case 'struct':
      case 'union':
        return t.members.reduce((a, m) => Math.max(a, this.align(m.type)), 1);
      default:
        return 1;
    }
  }

  private pad(bytes: number): string {
    return `char __lbc_pad${this.padCount++}[${bytes}];`;
  }

  private members(t: BtfComposite): string[] {
    const lines: string[] = [];
    const isUnion = t.kind === 'union';
    let cur = 0; // bits
    let maxEnd = 0;
    for (const m of t.members) {
      const lay = memberLayout(this.btf, m);
      const name = IDENT.test(m.name) ? m.name : '';
      if (lay.bitfieldSize > 0) {
        lines.push(`${this.baseName(m.type)} ${name}: ${lay.bitfieldSize};`);
        cur = lay.bitOffset + lay.bitfieldSize;
        maxEnd = Math.max(maxEnd, cur);
        continue;
      }
      if (!isUnion) {
        const byteStart = roundUp(cur, 8);
        const natural = roundUp(cur, this.align(m.type) * 8);
        if (lay.bitOffset > natural) lines.push(this.pad((lay.bitOffset - byteStart) / 8));
      }
      lines.push(`${this.declare(m.type, name)};`);
      cur = lay.bitOffset + this.sizes.of(m.type) * 8;
      maxEnd = Math.max(maxEnd, cur);
    }
    const align = t.members.reduce((a, m) => Math.max(a, this.align(m.type)), 1);
    const naturalSize = roundUp(roundUp(maxEnd, 8) / 8, align);
    if (t.size > naturalSize) {
      if (isUnion) lines.push(this.pad(t.size));
      else lines.push(this.pad(t.size - roundUp(maxEnd, 8) / 8));
    }
    return lines;
  }
}
