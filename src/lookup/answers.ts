/** Answer shapes, as the legacy protocol defines them (key order kept). */
export interface FuncAnswer {
  func: string;
  args: string[];
  ret: string;
  line: number;
  file: string;
}

export interface CellAnswer {
  type: string;
  name: string;
  offset: number;
  size: number;
  bits: string;
}

export interface StructSummary {
  name: string;
  members: number;
  size: number;
}

export interface StructAnswer extends StructSummary {
  cell: CellAnswer[];
}

export interface TypeAnswer {
  name: string;
  type: string;
  size: number;
}

export interface MemberLocation {
  struct: string;
  path: string;
  /** The member row the path ends in, as the database names it (`comm[16]`). */
  member: string;
  type: string;
  offset: number;
  size: number;
  bits: string;
}
