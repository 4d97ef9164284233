/**
 * Writes BTF blobs by hand for tests: every field is explicit, so tests can
 * build both valid shapes and hostile ones (bad ids, loops, huge vlen).
 */
export const KIND = {
  int: 1,
  ptr: 2,
  array: 3,
  struct: 4,
  union: 5,
  enum: 6,
  fwd: 7,
  typedef: 8,
  volatile: 9,
  const: 10,
  restrict: 11,
  func: 12,
  func_proto: 13,
  var: 14,
  datasec: 15,
  float: 16,
  decl_tag: 17,
  type_tag: 18,
  enum64: 19,
} as const;

export interface RawType {
  nameOff: number;
  kind: number;
  vlen: number;
  kindFlag: boolean;
  sizeOrType: number;
  /** Extra u32 words after the common header (members, params, ...). */
  extra: number[];
}

export interface BuildOptions {
  endian?: 'little' | 'big';
}

export class BtfBuilder {
  readonly types: RawType[] = [];
  private readonly strs: string[] = [];
  private readonly offsets = new Map<string, number>();
  private strLen = 0;

  /** For split BTF: `firstId` = the base's type count, `strBase` = the base's string length. */
  constructor(
    readonly firstId = 1,
    private readonly strBase = 0,
  ) {
    if (strBase === 0) this.str('');
  }

  str(s: string): number {
    if (s === '' && this.strBase > 0) return 0;
    const known = this.offsets.get(s);
    if (known !== undefined) return known;
    const off = this.strBase + this.strLen;
    this.offsets.set(s, off);
    this.strs.push(s);
    this.strLen += Buffer.byteLength(s) + 1;
    return off;
  }

  raw(t: Partial<RawType> & { kind: number }): number {
    this.types.push({ nameOff: 0, vlen: 0, kindFlag: false, sizeOrType: 0, extra: [], ...t });
    return this.firstId + this.types.length - 1;
  }

  int(
    name: string,
    size: number,
    opts: { signed?: boolean; bits?: number; bitOffset?: number } = {},
  ): number {
    const bits = opts.bits ?? size * 8;
    const enc = (opts.signed ? 1 : 0) << 24;
    const extra = [enc | ((opts.bitOffset ?? 0) << 16) | bits];
    return this.raw({ kind: KIND.int, nameOff: this.str(name), sizeOrType: size, extra });
  }
  float(name: string, size: number): number {
    return this.raw({ kind: KIND.float, nameOff: this.str(name), sizeOrType: size });
  }
  ref(
    kind: 'ptr' | 'typedef' | 'const' | 'volatile' | 'restrict' | 'type_tag',
    type: number,
    name = '',
  ): number {
    return this.raw({ kind: KIND[kind], nameOff: this.str(name), sizeOrType: type });
  }
  array(type: number, nelems: number, indexType = 0): number {
    return this.raw({ kind: KIND.array, extra: [type, indexType, nelems] });
  }
  composite(
    kind: 'struct' | 'union',
    name: string,
    size: number,
    members: { name: string; type: number; bitOffset: number; bitfieldSize?: number }[],
  ): number {
    const kindFlag = members.some((m) => m.bitfieldSize);
    const extra = members.flatMap((m) => [
      this.str(m.name),
      m.type,
      kindFlag ? ((m.bitfieldSize ?? 0) << 24) | m.bitOffset : m.bitOffset,
    ]);
    return this.raw({
      kind: KIND[kind],
      nameOff: this.str(name),
      vlen: members.length,
      kindFlag,
      sizeOrType: size,
      extra,
    });
  }
  enum(name: string, size: number, values: [string, number][]): number {
    const extra = values.flatMap(([n, v]) => [this.str(n), v >>> 0]);
    return this.raw({
      kind: KIND.enum,
      nameOff: this.str(name),
      vlen: values.length,
      sizeOrType: size,
      extra,
    });
  }
  enum64(name: string, values: [string, bigint][], signed = false): number {
    const extra = values.flatMap(([n, v]) => [
      this.str(n),
      Number(BigInt.asUintN(64, v) & 0xffffffffn),
      Number(BigInt.asUintN(64, v) >> 32n),
    ]);
    return this.raw({
      kind: KIND.enum64,
      nameOff: this.str(name),
      vlen: values.length,
      kindFlag: signed,
      sizeOrType: 8,
      extra,
    });
  }
  fwd(name: string, union = false): number {
    return this.raw({ kind: KIND.fwd, nameOff: this.str(name), kindFlag: union });
  }
  proto(ret: number, params: { name?: string; type: number }[], variadic = false): number {
    const all = variadic ? [...params, { name: '', type: 0 }] : params;
    const extra = all.flatMap((p) => [this.str(p.name ?? ''), p.type]);
    return this.raw({ kind: KIND.func_proto, vlen: all.length, sizeOrType: ret, extra });
  }
  func(name: string, proto: number, linkage = 1): number {
    return this.raw({ kind: KIND.func, nameOff: this.str(name), vlen: linkage, sizeOrType: proto });
  }
  variable(name: string, type: number, linkage = 1): number {
    return this.raw({ kind: KIND.var, nameOff: this.str(name), sizeOrType: type, extra: [linkage] });
  }
  datasec(name: string, size: number, vars: { type: number; offset: number; size: number }[]): number {
    const extra = vars.flatMap((v) => [v.type, v.offset, v.size]);
    return this.raw({
      kind: KIND.datasec,
      nameOff: this.str(name),
      vlen: vars.length,
      sizeOrType: size,
      extra,
    });
  }
  declTag(name: string, type: number, componentIdx: number): number {
    return this.raw({
      kind: KIND.decl_tag,
      nameOff: this.str(name),
      sizeOrType: type,
      extra: [componentIdx >>> 0],
    });
  }

  build(opts: BuildOptions = {}): Buffer {
    const le = (opts.endian ?? 'little') === 'little';
    const words = this.types.flatMap((t) => [
      t.nameOff,
      ((t.kindFlag ? 1 : 0) << 31) | (t.kind << 24) | t.vlen,
      t.sizeOrType,
      ...t.extra,
    ]);
    const typeLen = words.length * 4;
    const strings = Buffer.from(this.strs.map((s) => `${s}\0`).join(''), 'utf8');
    const out = Buffer.alloc(24 + typeLen + strings.length);
    const u32 = (v: number, at: number) =>
      le ? out.writeUInt32LE(v >>> 0, at) : out.writeUInt32BE(v >>> 0, at);
    if (le) out.writeUInt16LE(0xeb9f, 0);
    else out.writeUInt16BE(0xeb9f, 0);
    out[2] = 1;
    u32(24, 4);
    u32(0, 8);
    u32(typeLen, 12);
    u32(typeLen, 16);
    u32(strings.length, 20);
    for (const [i, w] of words.entries()) u32(w, 24 + i * 4);
    strings.copy(out, 24 + typeLen);
    return out;
  }
}
