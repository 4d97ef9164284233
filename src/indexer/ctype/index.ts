export { gdbBaseName } from './base-names.js';
export { CTypeNamer } from './c-namer.js';
export { Q_CONST, Q_RESTRICT, Q_VOLATILE, qualifierBit, qualifierText } from './qualifiers.js';
