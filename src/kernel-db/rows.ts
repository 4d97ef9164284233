/** The rows of one kernel database, as docs/kernel-db.md defines them. */
export interface MemberRow {
  type: string;
  name: string;
  offset: number;
  bytes: number;
  /** `"<bit offset % 8>:<width>"` for bitfields, `""` otherwise. */
  bits: string;
}

export interface StructRow {
  /** `struct NAME`, `union NAME`, or a typedef name of an anonymous struct/union. */
  name: string;
  bytes: number;
  members: MemberRow[];
}

export interface TypeRow {
  name: string;
  alias: string;
  bytes: number;
}

export interface FuncRow {
  func: string;
  args: string[];
  /** Prefixed `static ` for internal linkage. */
  ret: string;
  line: number;
  file: string;
  module: string;
}

/** One module's split BTF (on the kernel's BTF), kept so that it can be served by build id. */
export interface ModuleBtfRow {
  name: string;
  /** GNU build id, lower-case hex, or `""` when the module file has none. */
  buildId: string;
  btf: Buffer;
}

export interface KernelRows {
  structs: StructRow[];
  types: TypeRow[];
  funcs: FuncRow[];
  moduleBtf?: ModuleBtfRow[];
}

/** Build facts recorded in the database's `meta` table. */
export type KernelMeta = Record<string, string>;
