import { ERRORS, type ErrorName } from './codes.js';

/**
 * An error whose message is safe to show a client: it never carries a host path,
 * a stack trace or an echo of the raw input. Anything else reaching a client
 * is replaced by a generic INTERNAL message.
 */
export class SurfhiveError extends Error {
  readonly code: `SURFHIVE_ERR_${ErrorName}`;
  readonly statusCode: number;
  override readonly name = 'SurfhiveError';

  constructor(
    readonly kind: ErrorName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = `SURFHIVE_ERR_${kind}`;
    this.statusCode = ERRORS[kind].status;
  }

  toJSON(): { statusCode: number; code: string; error: string; message: string } {
    return {
      statusCode: this.statusCode,
      code: this.code,
      error: ERRORS[this.kind].text,
      message: this.message,
    };
  }
}

export const isSurfhiveError = (e: unknown): e is SurfhiveError => e instanceof SurfhiveError;

export const fail = (kind: ErrorName, message: string, cause?: unknown): never => {
  throw new SurfhiveError(kind, message, cause === undefined ? undefined : { cause });
};
