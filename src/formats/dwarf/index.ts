export {
  type DwarfFunc,
  type DwfuncsListing,
  parseDwfuncsListing,
  parseDwfuncsOutput,
} from './dwfuncs-output.js';
export {
  arrayDimsFromDwarf,
  type DwarfFacts,
  type DwarfReadOptions,
  funcsAndArrayDimsFromDwarf,
  funcsFromDwarf,
} from './funcs.js';
export { sortFuncRows } from './sort-funcs.js';
