import { readFile } from 'node:fs/promises';
import { SurfhiveError } from '../errors/codes.js';
import type { CompileOutcome } from './outcome.js';
import type { CompileCache } from './result-cache.js';

/** Where a compile job leaves its outcome and artifact. */
export interface ResultStore {
  put(key: string, outcome: CompileOutcome, artifactFile?: string): Promise<void>;
}

/** Straight into the API's content-addressed cache (in-process pool, or a worker on the API's disk). */
export class CacheStore implements ResultStore {
  constructor(private readonly cache: CompileCache) {}
  put(key: string, outcome: CompileOutcome, artifactFile?: string): Promise<void> {
    return this.cache.put(key, outcome, artifactFile);
  }
}

/** Through the API's internal upload route, authenticated with the worker token. */
export class ApiStore implements ResultStore {
  constructor(
    private readonly apiUrl: string,
    private readonly workerToken: string,
  ) {}

  async put(key: string, outcome: CompileOutcome, artifactFile?: string): Promise<void> {
    const artifact = artifactFile ? (await readFile(artifactFile)).toString('base64') : undefined;
    const res = await fetch(`${this.apiUrl}/api/v1/internal/compile/${key}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.workerToken}` },
      body: JSON.stringify({ outcome, artifact }),
      signal: AbortSignal.timeout(60_000),
    });
    if (!res.ok) throw new SurfhiveError('UNAVAILABLE', `the API refused the compile result (${res.status})`);
  }
}
