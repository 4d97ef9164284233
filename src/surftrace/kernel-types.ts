/**
 * The narrow view of a kernel database the surftrace compiler needs. Rows are
 * the ones of docs/kernel-db.md: flattened members, `types` with sizes.
 */
export interface FuncInfo {
  /** Argument type strings; `["void"]` for an empty list. */
  args: string[];
  ret: string;
}

export interface CellInfo {
  type: string;
  /** Flattened member name, dimensions kept (`comm[16]`, `se.run_node.rb_left`). */
  name: string;
  offset: number;
  size: number;
  bits: string;
}

export interface StructInfo {
  name: string;
  size: number;
  cells: CellInfo[];
}

export interface TypeInfo {
  name: string;
  alias: string;
  size: number;
}

export interface KernelTypes {
  /** The first function of that name, or null. */
  func(name: string): FuncInfo | null;
  /** A struct/union row (`struct task_struct`, `atomic_t`) with its members, or null. */
  struct(name: string): StructInfo | null;
  /** A `types` row; any name containing `*` is the pointer row. */
  type(name: string): TypeInfo | null;
}
