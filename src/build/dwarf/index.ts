export { type DwarfFunc, parseDwfuncsOutput } from './dwfuncs-output.js';
export { funcsFromDwarf } from './funcs.js';

export { sortFuncRows } from './sort-funcs.js';
