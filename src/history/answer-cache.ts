import { createHash } from 'node:crypto';
import type { KernelEntry } from '../hive/registry.js';

/**
 * Whole history answers, serialized, keyed by the query and by the exact kernels it covers
 * (each kernel's database version as the registry sees it): a kernel added, removed or
 * rebuilt changes the key, so an entry is never stale, only unused. Bounded by the
 * characters held, least recently used first out.
 */
export class HistoryAnswers {
  private readonly entries = new Map<string, string>();
  private chars = 0;

  constructor(private readonly maxChars = 64 << 20) {}

  key(query: Record<string, string | number | undefined>, kernels: KernelEntry[]): string {
    const h = createHash('sha256').update(JSON.stringify(query));
    for (const k of kernels) {
      const db = k.artifacts.db;
      h.update(`\n${k.arch}\0${k.ver}\0${k.release}\0${db?.path}\0${db?.ino}\0${db?.size}\0${db?.mtimeMs}`);
    }
    return h.digest('base64');
  }

  get(key: string): string | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, json: string): void {
    if (json.length > this.maxChars / 4) return;
    const old = this.entries.get(key);
    if (old !== undefined) this.chars -= old.length;
    this.entries.set(key, json);
    this.chars += json.length;
    while (this.chars > this.maxChars) {
      const [k, v] = this.entries.entries().next().value as [string, string];
      this.entries.delete(k);
      this.chars -= v.length;
    }
  }
}
