import type { ErrorName } from '../errors/codes.js';
import { SurfhiveError } from '../errors/index.js';

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
