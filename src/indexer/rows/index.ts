export { ArrayDimsIndex, type MemberArrayDims } from './array-dims.js';
export { type RowContext, rowContext } from './context.js';
export { flattenMembers } from './flatten.js';
export { type RowsFromBtfOptions, rowsFromBtf } from './from-btf.js';
export { funcRows } from './funcs.js';
export { structRows } from './structs.js';
export { typeRows } from './types-table.js';
