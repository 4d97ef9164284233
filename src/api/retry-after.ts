import type { ErrorName } from '../errors/codes.js';
import { SurfhiveError } from '../errors/codes.js';

/** Seconds a client is told to wait when it is shed without a better estimate. */
const DEFAULT_RETRY_AFTER: Partial<Record<ErrorName, number>> = {
  RATE_LIMITED: 1,
  QUEUE_FULL: 10,
  UNAVAILABLE: 5,
  KERNEL_PREPARING: 30,
};

type WithRetry = SurfhiveError & { retryAfterSec?: number };

/** A shedding error (429/503) that tells the client when to come back. */
export function retryLater(
  kind: 'RATE_LIMITED' | 'QUEUE_FULL' | 'UNAVAILABLE',
  message: string,
  seconds?: number,
) {
  const err: WithRetry = new SurfhiveError(kind, message);
  if (seconds !== undefined) err.retryAfterSec = seconds;
  return err;
}

/** The Retry-After value (whole seconds, at least 1) for an error, or undefined when none applies. */
export function retryAfterOf(err: SurfhiveError): number | undefined {
  const s = (err as WithRetry).retryAfterSec ?? DEFAULT_RETRY_AFTER[err.kind];
  return s === undefined ? undefined : Math.max(1, Math.ceil(s));
}
