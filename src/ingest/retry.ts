import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from './http.js';

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** First back-off delay; doubles each time, up to 30 s, with jitter. */
  baseDelayMs: number;
  signal?: AbortSignal;
  /** Told before each back-off: what failed, which retry comes, after how long. */
  onRetry?: (err: Error, retry: number, delayMs: number) => void;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 1000 };

export const backoffMs = (attempt: number, base: number) =>
  Math.min(30_000, base * 2 ** attempt) * (0.75 + Math.random() * 0.5);

/** Runs fn again after a back-off while it fails with a TransientError. */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(err instanceof TransientError) || attempt >= policy.retries || policy.signal?.aborted) throw err;
      const delay = backoffMs(attempt, policy.baseDelayMs);
      policy.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, undefined, { signal: policy.signal });
    }
  }
}
