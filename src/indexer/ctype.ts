import type { Btf, BtfFuncProto, BtfType } from '../formats/btf/types.js';

/**
 * Spells BTF types as C the way gdb prints them: `const char *`,
 * `struct sk_buff *(*)(struct sock *, int)`, `enum {A, B}`, `struct {...}`.
 * Recursion depth is bounded by validateTypes().
 */
export class CTypeNamer {
  private readonly cache = new Map<number, string>();

  constructor(private readonly btf: Btf) {}

  /** The abstract declarator of a type (no name), e.g. `int (*)(struct task_struct *, int)`. */
  name(id: number): string {
    let s = this.cache.get(id);
    if (s === undefined) {
      s = this.declare(id, '', 0, false);
      this.cache.set(id, s);
    }
    return s;
  }

  /** Like name(), with extra qualifiers applied to the type itself (or to the element of an array). */
  qualified(id: number, quals: number): string {
    return quals === 0 ? this.name(id) : this.declare(id, '', quals, false);
  }

  /**
   * The first line gdb's `ptype` prints for a type: typedefs on the main
   * declarator chain resolved, a struct/union opened as `struct NAME {`, enums
   * with their enumerators.
   */
  ptypeFirstLine(id: number): string {
    return this.declare(id, '', 0, true);
  }

  /** Parameter list text, `void` when empty, `...` for varargs. */
  params(proto: BtfFuncProto): string {
    const parts = proto.params.map((p) => this.name(p.type));
    if (proto.variadic) parts.push('...');
    return parts.length === 0 ? 'void' : parts.join(', ');
  }

  /**
   * Builds the declaration of `id` around the declarator `inner`, C-style
   * from the outside in. `quals` are qualifiers still to be applied to `id`;
   * `expand` is ptype mode (see ptypeFirstLine).
   */
  private declare(id: number, inner: string, quals: number, expand: boolean): string {
    const t = this.btf.type(id);
    switch (t.kind) {
      case 'const':
      case 'volatile':
      case 'restrict':
        return this.declare(t.type, inner, quals | qualifierBit(t.kind), expand);
      case 'type_tag':
        return this.declare(t.type, inner, quals, expand);
      case 'ptr': {
        const own = quals ? join(qualifierText(quals), inner) : inner;
        return this.declare(t.type, /^[A-Za-z_]/.test(own) ? `* ${own}` : `*${own}`, 0, expand);
      }
      case 'array':
        // A qualified array is an array of qualified elements.
        return this.declare(t.type, `${wrap(inner)}[${t.nelems || ''}]`, quals, expand);
      case 'func_proto':
        return this.declare(t.ret, `${wrap(inner)}(${this.params(t)})`, 0, expand);
      case 'typedef':
        if (expand) return this.declare(t.type, inner, quals, expand);
        return join(join(qualifierText(quals), t.name), inner);
      case 'struct':
      case 'union':
      case 'fwd':
        if (expand) return join(qualifierText(quals), `${this.keyword(t)}${t.name ? ` ${t.name}` : ''} {`);
        return join(join(qualifierText(quals), this.leaf(t, false)), inner);
      default:
        return join(join(qualifierText(quals), this.leaf(t, expand)), inner);
    }
  }

  private keyword(t: BtfType): 'struct' | 'union' {
    return t.kind === 'union' || (t.kind === 'fwd' && t.union) ? 'union' : 'struct';
  }

  /** The specifier of a type that has no declarator of its own. */
  private leaf(t: BtfType, withEnumerators: boolean): string {
    switch (t.kind) {
      case 'void':
        return 'void';
      case 'int':
      case 'float':
        return gdbBaseName(t.name);
      case 'struct':
      case 'union':
      case 'fwd':
        return t.name ? `${this.keyword(t)} ${t.name}` : `${this.keyword(t)} {...}`;
      case 'enum':
      case 'enum64':
        if (t.name && !withEnumerators) return `enum ${t.name}`;
        return join(t.name ? `enum ${t.name}` : 'enum', `{${t.values.map((v) => v.name).join(', ')}}`);
      default:
        // func, var, datasec, decl_tag never appear where a type is spelled (validateTypes).
        return t.name;
    }
  }
}

const join = (a: string, b: string): string => (a && b ? `${a} ${b}` : a || b);

/** `*` binds looser than `[]` and `()`: `(*)[4]`, `(*)(int)`. */
const wrap = (inner: string): string => (inner.startsWith('*') ? `(${inner})` : inner);

/** DWARF/BTF spellings of base types that gdb prints differently. */
const GDB_NAMES: Readonly<Record<string, string>> = {
  'long unsigned int': 'unsigned long',
  'long long unsigned int': 'unsigned long long',
  'short unsigned int': 'unsigned short',
  'long int': 'long',
  'long long int': 'long long',
  'short int': 'short',
};

export const gdbBaseName = (name: string): string => GDB_NAMES[name] ?? name;

/** Qualifier set as bits, so that `const const char` collapses to `const char`. */
export const Q_CONST = 1;
export const Q_VOLATILE = 2;
export const Q_RESTRICT = 4;

export const qualifierBit = (kind: 'const' | 'volatile' | 'restrict'): number =>
  kind === 'const' ? Q_CONST : kind === 'volatile' ? Q_VOLATILE : Q_RESTRICT;

/** In gdb's order: `const volatile`. */
export function qualifierText(quals: number): string {
  const words: string[] = [];
  if (quals & Q_CONST) words.push('const');
  if (quals & Q_VOLATILE) words.push('volatile');
  if (quals & Q_RESTRICT) words.push('restrict');
  return words.join(' ');
}
