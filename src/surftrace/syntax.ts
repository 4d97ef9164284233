import type { ErrorName } from '../errors/codes.js';
import { SurfhiveError } from '../errors/codes.js';

/**
 * A compile error about one expression. Messages only ever quote text that
 * passed a strict identifier/type pattern, never the raw expression.
 */
export class ExprError extends SurfhiveError {
  constructor(kind: ErrorName, message: string) {
    super(kind, message);
  }
}

export const exprFail = (message: string, kind: ErrorName = 'INVALID_FIELD'): never => {
  throw new ExprError(kind, message);
};

/** Prefixes the expression number (1-based) to an error thrown while compiling it. */
export function inExpression<T>(index: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ExprError)
      throw new SurfhiveError(err.kind, `expression ${index + 1}: ${err.message}`);
    throw err;
  }
}

/** Strict patterns for everything that ends up in a tracefs write or a generated script. */
export const VAR_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** `func`, `func.isra.0`, optional `+OFFSET` (decimal or hex). */
export const KSYMBOL = /^([A-Za-z_][A-Za-z0-9_.]{0,127})(?:\+(0x[0-9a-fA-F]{1,8}|[0-9]{1,10}))?$/;
/** `CATEGORY/EVENT` as tracefs names them. */
export const EVENT = /^[A-Za-z0-9_-]{1,64}\/[A-Za-z0-9_.-]{1,128}$/;
/** A binary path or a bare name looked up on the host (PATH, then the ld cache). */
export const BINARY = /^(?!-)(?!.*\/\.\.(?:\/|$))[A-Za-z0-9_./+-]{1,255}$/;
/** A C type as a cast names it: `u64`, `struct file *`, `const char *`, `unsigned long`. */
export const CTYPE =
  /^(?:(?:const|volatile|struct|union|enum|signed|unsigned)\s+)*[A-Za-z_][A-Za-z0-9_]{0,127}(?:\s+[A-Za-z_][A-Za-z0-9_]{0,63}){0,3}\s*\**$/;
/** A member in a chain: name with optional indexes. */
export const MEMBER = /^[A-Za-z_][A-Za-z0-9_]{0,127}(?:\[[0-9]{1,9}\])*$/;
/** A global as `@name` or `@0xADDR` names it. */
export const GLOBAL = /^(?:[A-Za-z_][A-Za-z0-9_]{0,127}|0x[0-9a-fA-F]{1,16})$/;
/** `$...` variables ftrace knows. */
export const SPECIAL_VAR = /^(?:retval|stack[0-9]{0,3}|comm|arg[1-9][0-9]?)$/;
