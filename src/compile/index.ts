export { CompileFailure, isCompileFailure } from './compile-failure.js';
export {
  type CompileObjectInput,
  type CompileObjectResult,
  compileObject,
  OBJECT_NAME,
  SOURCE_NAME,
} from './compile-object.js';
export {
  type CompileSharedInput,
  type CompileSharedResult,
  compileSharedObject,
} from './compile-shared-object.js';
export { type LbcDescriptor, type LbcMapDescriptor, makeDescriptor, sourceHash } from './descriptor.js';
export { ffiDeclarations } from './ffi-cdef.js';
export { describeTypesForFfi, type FfiResult, STANDARD_TYPES } from './ffi-probe.js';
export { checkFlags, parseCompileFlags, splitFlags } from './flags.js';
export { findLbcMaps, type LbcMapDecl, type LbcMapKind } from './lbc-maps.js';
export {
  type LinkInput,
  type LinkResult,
  linkSharedObject,
  SHARED_OBJECT_NAME,
} from './link-shared-object.js';
export { type LbcToolchain, lbcToolchain, targetArchDefine } from './toolchain.js';
