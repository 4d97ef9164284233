import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from './http.js';

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** First back-off delay; doubles each time, up to 30 s, with jitter. */
  baseDelayMs: number;
  signal?: AbortSignal;
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
      await sleep(backoffMs(attempt, policy.baseDelayMs), undefined, { signal: policy.signal });
    }
  }
}
