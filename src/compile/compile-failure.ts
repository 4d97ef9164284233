import { SurfhiveError } from '../errors/index.js';

/**
 * A user program that does not build. `message` goes to the client's `log`,
 * `clog` holds the compiler's messages, already free of host paths.
 */
export class CompileFailure extends SurfhiveError {
  constructor(
    message: string,
    readonly clog: string,
  ) {
    super('COMPILE_FAILED', message);
  }
}

export const isCompileFailure = (e: unknown): e is CompileFailure => e instanceof CompileFailure;
