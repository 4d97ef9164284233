import { randomBytes } from 'node:crypto';
import type { Arch } from '../hive/names.js';
import type { KernelLookup } from '../lookup/kernel-lookup.js';
import { type CompiledExpression, compileExpressions } from './compile.js';
import { lookupTypes } from './lookup-types.js';
import { planTrace, type TracePlan } from './plan.js';
import { renderScript } from './script.js';

export interface SurftraceRequest {
  arch: Arch;
  ver: string;
  expressions: string[];
  stack?: boolean;
  duration?: number;
  /** Run id naming the instance and probe group; random when absent. */
  id?: string;
}

export interface SurftraceResult {
  compiled: CompiledExpression[];
  plan: TracePlan;
  script: string;
}

/** Compiles expressions against one kernel of the hive and renders the script. */
export async function surftraceFor(lookup: KernelLookup, req: SurftraceRequest): Promise<SurftraceResult> {
  const kernel = await lookup.kernel(req.arch, req.ver);
  const compiled = lookup.query(kernel, (h) => compileExpressions(req.expressions, req.arch, lookupTypes(h)));
  const plan = planTrace(compiled, req.id ?? randomBytes(4).toString('hex'), req.stack ?? false);
  const script = renderScript({ arch: req.arch, ver: req.ver, compiled, plan, duration: req.duration ?? 0 });
  return { compiled, plan, script };
}
