export { encodeQueryValue, renderBootstrap } from './bootstrap.js';
export { type CompiledExpression, checkSyntax, compileExpressions, type ProbeType } from './compile.js';
export type { CellInfo, FuncInfo, KernelTypes, StructInfo, TypeInfo } from './kernel-types.js';
export { lookupTypes } from './lookup-types.js';
export { type ExpressionPlan, planTrace, runNames, type TraceOp, type TracePlan } from './plan.js';
export { renderScript, type ScriptInput } from './script.js';
export { errorScript, shq } from './shell.js';
