export { btfEndian } from './header.js';
export { type MemberLayout, memberLayout } from './members.js';
export { parseBtf } from './parse.js';
export { BtfSizes, guessPointerSize } from './sizes.js';
export type * from './types.js';
