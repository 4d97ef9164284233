import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CompileOutcome } from './outcome.js';

const KEY = /^[0-9a-f]{64}$/;

export interface CachedCompile {
  outcome: CompileOutcome;
  /** Host path of the artifact for completed compiles. */
  artifactPath?: string;
}

/**
 * Content-addressed store of finished compiles: `<dir>/<key>/{outcome.json,artifact}`.
 * Entries appear atomically (written aside, then renamed) and the oldest are
 * dropped once there are more than `maxEntries`.
 */
export class CompileCache {
  private puts = 0;

  constructor(
    readonly dir: string,
    private readonly maxEntries = 5000,
  ) {}

  static isKey(key: string): boolean {
    return KEY.test(key);
  }

  async get(key: string): Promise<CachedCompile | undefined> {
    if (!KEY.test(key)) return undefined;
    const entry = path.join(this.dir, key);
    try {
      const outcome = JSON.parse(await readFile(path.join(entry, 'outcome.json'), 'utf8')) as CompileOutcome;
      return outcome.status === 'completed'
        ? { outcome, artifactPath: path.join(entry, 'artifact') }
        : { outcome };
    } catch {
      return undefined;
    }
  }

  /** Stores an outcome and, for a completed compile, its artifact (a file path or bytes). */
  async put(key: string, outcome: CompileOutcome, artifact?: string | Buffer): Promise<void> {
    if (!KEY.test(key)) throw new Error('not a compile key');
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
    if (++this.puts % 100 === 0) await this.evict();
  }

  private async evict(): Promise<void> {
    const keys = (await readdir(this.dir)).filter((k) => KEY.test(k));
    if (keys.length <= this.maxEntries) return;
    const aged = await Promise.all(
      keys.map(async (k) => ({
        k,
        t: (await stat(path.join(this.dir, k)).catch(() => ({ mtimeMs: 0 }))).mtimeMs,
      })),
    );
    aged.sort((a, b) => a.t - b.t);
    for (const { k } of aged.slice(0, keys.length - this.maxEntries)) {
      await rm(path.join(this.dir, k), { recursive: true, force: true });
    }
  }
}
