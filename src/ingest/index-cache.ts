import type { IndexEntry } from './candidate.js';

export interface IndexCacheOptions {
  /** How long a parsed index is reused, ms. */
  ttlMs: number;
  /** Indexes kept at most; the least recently used goes first. */
  maxEntries: number;
  /** Package entries kept in all, across indexes (an index larger than this is not kept). */
  maxRows?: number;
  now?: () => number;
}

/** What one repository read gives: its kernel packages, or undefined when the mirror lacks the repository. */
type RepoEntries = IndexEntry[] | undefined;

interface Kept {
  at: number;
  entries: RepoEntries;
}

const DEFAULT_MAX_ROWS = 500_000;

/**
 * Parsed package indexes of mirrors, per (release, arch, repository URL), reused for a TTL:
 * provisioning one kernel after another of the same release reads the mirror's index once.
 * Concurrent reads of one index share one fetch; failures are not kept. Bounded by entry
 * count and by the package entries held in all.
 */
export class IndexCache {
  private readonly kept = new Map<string, Kept>();
  private readonly loading = new Map<string, Promise<RepoEntries>>();
  private rows = 0;

  constructor(private readonly opts: IndexCacheOptions) {}

  async get(key: string, load: () => Promise<RepoEntries>): Promise<RepoEntries> {
    const now = this.now();
    const hit = this.kept.get(key);
    if (hit) {
      this.forget(key);
      if (now - hit.at < this.opts.ttlMs) {
        this.keep(key, hit);
        return hit.entries;
      }
    }
    let pending = this.loading.get(key);
    if (!pending) {
      pending = load().then((entries) => {
        this.keep(key, { at: this.now(), entries });
        return entries;
      });
      const shared = pending.finally(() => this.loading.delete(key));
      shared.catch(() => undefined);
      this.loading.set(key, shared);
    }
    return pending;
  }

  get size(): number {
    return this.kept.size;
  }

  private keep(key: string, entry: Kept): void {
    const n = entry.entries?.length ?? 0;
    const maxRows = this.opts.maxRows ?? DEFAULT_MAX_ROWS;
    if (this.opts.ttlMs <= 0 || this.opts.maxEntries <= 0 || n > maxRows) return;
    this.forget(key);
    while (this.kept.size >= this.opts.maxEntries || this.rows + n > maxRows) {
      const oldest = this.kept.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
    this.kept.set(key, entry);
    this.rows += n;
  }

  private forget(key: string): void {
    const old = this.kept.get(key);
    if (!old) return;
    this.kept.delete(key);
    this.rows -= old.entries?.length ?? 0;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }
}
