import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../errors/codes.js';
import type { CompileOutcome } from './outcome.js';

const KEY = /^[0-9a-f]{64}$/;

export interface CachedCompile {
  outcome: CompileOutcome;
  /** Host path of the artifact for completed compiles. */
  artifactPath?: string;
}

export interface CompileCacheOptions {
  /** Bytes of artifacts and outcomes kept; the least recently used entries go first. Default 1 GiB. */
  maxBytes?: number;
  /** Entries kept. Default 5000. */
  maxEntries?: number;
  /** Largest artifact accepted. Default 8 MiB. */
  maxArtifactBytes?: number;
}

/**
 * Content-addressed store of finished compiles: `<dir>/<key>/{outcome.json,artifact}`.
 * Entries appear atomically (written aside, then renamed). The store is
 * bounded in bytes and entries, least recently used out first; an artifact
 * larger than the cap is never stored.
 */
export class CompileCache {
  /** key → bytes on disk, least recently used first; loaded from the directory on first use. */
  private index: Map<string, number> | undefined;
  private loading: Promise<Map<string, number>> | undefined;
  private total = 0;
  readonly maxBytes: number;
  readonly maxEntries: number;
  readonly maxArtifactBytes: number;

  constructor(
    readonly dir: string,
    opts: CompileCacheOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? 1024 ** 3;
    this.maxEntries = opts.maxEntries ?? 5000;
    this.maxArtifactBytes = opts.maxArtifactBytes ?? 8 * 1024 ** 2;
  }

  static fromConfig(c: { compileCacheDir: string; compileCacheBytes: number; artifactMaxBytes: number }) {
    return new CompileCache(c.compileCacheDir, {
      maxBytes: c.compileCacheBytes,
      maxArtifactBytes: c.artifactMaxBytes,
    });
  }

  static isKey(key: string): boolean {
    return KEY.test(key);
  }

  /** Bytes held, as this process knows them. */
  async size(): Promise<{ bytes: number; entries: number }> {
    const index = await this.load();
    return { bytes: this.total, entries: index.size };
  }

  async get(key: string): Promise<CachedCompile | undefined> {
    if (!KEY.test(key)) return undefined;
    const entry = path.join(this.dir, key);
    let outcome: CompileOutcome;
    try {
      outcome = JSON.parse(await readFile(path.join(entry, 'outcome.json'), 'utf8')) as CompileOutcome;
    } catch {
      return undefined;
    }
    await this.touch(key);
    return outcome.status === 'completed'
      ? { outcome, artifactPath: path.join(entry, 'artifact') }
      : { outcome };
  }

  /** Stores an outcome and, for a completed compile, its artifact (a file path or bytes). */
  async put(key: string, outcome: CompileOutcome, artifact?: string | Buffer): Promise<void> {
    if (!KEY.test(key)) throw new Error('not a compile key');
    if (artifact !== undefined) {
      const size = typeof artifact === 'string' ? (await stat(artifact)).size : artifact.length;
      if (size > this.maxArtifactBytes)
        throw new SurfhiveError(
          'BODY_TOO_LARGE',
          `the artifact is larger than ${this.maxArtifactBytes} bytes`,
        );
    }
    const tmp = path.join(this.dir, '.tmp', `${key}-${randomBytes(4).toString('hex')}`);
    await mkdir(tmp, { recursive: true });
    try {
      if (artifact !== undefined) {
        const target = path.join(tmp, 'artifact');
        if (typeof artifact === 'string') await copyFile(artifact, target);
        else await writeFile(target, artifact);
      }
      await writeFile(path.join(tmp, 'outcome.json'), JSON.stringify(outcome));
      await rename(tmp, path.join(this.dir, key)).catch(async (err: NodeJS.ErrnoException) => {
        // Another worker stored the same key first: same content by construction.
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    await this.touch(key);
    await this.evict(key);
  }

  private load(): Promise<Map<string, number>> {
    if (this.index) return Promise.resolve(this.index);
    this.loading ??= (async () => {
      await mkdir(this.dir, { recursive: true });
      const keys = (await readdir(this.dir)).filter((k) => KEY.test(k));
      const aged = await Promise.all(
        keys.map(async (k) => ({ k, ...(await entryStat(path.join(this.dir, k))) })),
      );
      aged.sort((a, b) => a.t - b.t);
      const index = new Map<string, number>();
      for (const a of aged) {
        index.set(a.k, a.bytes);
        this.total += a.bytes;
      }
      this.index = index;
      return index;
    })();
    return this.loading;
  }

  /** Marks an entry as just used (learning its size if another process stored it). */
  private async touch(key: string): Promise<void> {
    const index = await this.load();
    let bytes = index.get(key);
    if (bytes === undefined) {
      bytes = (await entryStat(path.join(this.dir, key))).bytes;
      if (index.has(key)) return;
      this.total += bytes;
    }
    index.delete(key);
    index.set(key, bytes);
  }

  private async evict(keep: string): Promise<void> {
    const index = await this.load();
    for (const [k, bytes] of index) {
      if (this.total <= this.maxBytes && index.size <= this.maxEntries) break;
      if (k === keep) continue;
      index.delete(k);
      this.total -= bytes;
      await rm(path.join(this.dir, k), { recursive: true, force: true });
    }
  }
}

/** Bytes of an entry's files and its last change. */
async function entryStat(entry: string): Promise<{ bytes: number; t: number }> {
  let bytes = 0;
  let t = 0;
  for (const f of ['outcome.json', 'artifact']) {
    const s = await stat(path.join(entry, f)).catch(() => undefined);
    if (s) {
      bytes += s.size;
      t = Math.max(t, s.mtimeMs);
    }
  }
  return { bytes, t };
}
