import { createHash } from 'node:crypto';
import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import type { ArtifactFile } from '../hive/registry.js';
import type { CellAnswer } from '../lookup/answers.js';

/**
 * The hive's cross-kernel index of struct layouts: for every kernel, which
 * layout each struct name has, each distinct layout stored once (most kernels
 * share most layouts). A history reads this one file instead of opening every
 * kernel's database. It is a cache of the kernel databases: rows record the
 * database version (path, inode, size, mtime) they were read from, readers
 * trust a row only while the registry sees that same version, and the whole
 * file may be deleted and rebuilt from the hive. Each kernel is written in one
 * SQLite transaction, so a crash leaves it either as it was or complete.
 */
export const layoutIndexFile = (hive: string) => path.join(hive, '.cache', 'history', 'struct-layouts.db');

const SCHEMA_VERSION = '2';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS kernels (
  id INTEGER PRIMARY KEY AUTOINCREMENT, arch TEXT NOT NULL, ver TEXT NOT NULL, release TEXT NOT NULL,
  db_path TEXT NOT NULL, db_ino INTEGER NOT NULL, db_size INTEGER NOT NULL, db_mtime REAL NOT NULL,
  db_dev INTEGER NOT NULL, content BLOB NOT NULL,
  UNIQUE (arch, ver));
CREATE INDEX IF NOT EXISTS kernels_file ON kernels (db_ino, db_dev);
CREATE INDEX IF NOT EXISTS kernels_content ON kernels (content);
CREATE TABLE IF NOT EXISTS names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS layouts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, hash BLOB NOT NULL UNIQUE, refs INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS placed (
  name INTEGER NOT NULL, kernel INTEGER NOT NULL, layout INTEGER NOT NULL,
  PRIMARY KEY (name, kernel)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS placed_kernel ON placed (kernel, layout);
`;

/** One struct row's layout as the kernel database gives it. */
export interface StoredLayout {
  size: number;
  cells: CellAnswer[];
  /** For rows with an unknown dimension (`x[]`): sizeof the element type in that kernel, by cell index. */
  elements: Record<number, number | null>;
}

/** A layout read back, under the struct row name a kernel gives it. */
export interface IndexedLayout extends StoredLayout {
  name: string;
}

export interface IndexedKernel {
  id: number;
  arch: string;
  ver: string;
  release: string;
  db: ArtifactFile;
}

/** A kernel as it is written: its database version, the device it lives on, and a digest of its bytes. */
export interface KernelToIndex {
  arch: string;
  ver: string;
  release: string;
  db: ArtifactFile;
  dev: number;
  /** sha256 of the database file's content. */
  content: Buffer;
}

/** Does the index row describe exactly this version of the kernel's database? */
export const sameDbVersion = (row: IndexedKernel, db: ArtifactFile | undefined) =>
  db !== undefined &&
  row.db.path === db.path &&
  row.db.ino === db.ino &&
  row.db.size === db.size &&
  row.db.mtimeMs === db.mtimeMs;

const encode = (l: StoredLayout) =>
  JSON.stringify([l.size, l.cells.map((c) => [c.type, c.name, c.offset, c.size, c.bits]), l.elements]);

function decode(name: string, body: Buffer): IndexedLayout {
  const [size, cells, elements] = JSON.parse(inflateRawSync(body).toString()) as [
    number,
    [string, string, number, number, string][],
    Record<number, number | null>,
  ];
  return {
    name,
    size,
    cells: cells.map(([type, n, offset, sz, bits]) => ({ type, name: n, offset, size: sz, bits })),
    elements,
  };
}

type KernelRow = {
  id: number;
  arch: string;
  ver: string;
  release: string;
  db_path: string;
  db_ino: number;
  db_size: number;
  db_mtime: number;
};

const toKernel = (r: KernelRow): IndexedKernel => ({
  id: r.id,
  arch: r.arch,
  ver: r.ver,
  release: r.release,
  db: { path: r.db_path, ino: r.db_ino, size: r.db_size, mtimeMs: r.db_mtime },
});

export class LayoutIndex {
  /** Decoded layouts by (id, name): a layout row never changes while its id lives (ids are never reused). */
  private readonly decoded = new Map<string, IndexedLayout>();

  private constructor(private readonly db: Database.Database) {}

  /**
   * Opens (creating when absent) the hive's index. A file that is not a database of this
   * schema is moved aside and started afresh: it is only a cache.
   */
  static open(hive: string): LayoutIndex {
    const file = layoutIndexFile(hive);
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      return new LayoutIndex(LayoutIndex.connect(file));
    } catch {
      renameSync(file, `${file}.bad-${Date.now()}`);
      return new LayoutIndex(LayoutIndex.connect(file));
    }
  }

  private static connect(file: string): Database.Database {
    const db = new Database(file);
    try {
      db.pragma('busy_timeout = 10000');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
      const v = db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as
        | { value: string }
        | undefined;
      if (v === undefined)
        db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
      else if (v.value !== SCHEMA_VERSION) throw new Error(`layout index schema ${v.value}`);
      db.prepare('SELECT count(*) FROM placed').get();
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  close(): void {
    this.db.close();
  }

  /** Every indexed kernel by `arch\0ver`. */
  kernels(): Map<string, IndexedKernel> {
    const rows = this.db.prepare('SELECT * FROM kernels').all() as KernelRow[];
    return new Map(rows.map((r) => [`${r.arch}\0${r.ver}`, toKernel(r)]));
  }

  /**
   * Records one kernel's layouts (every struct row name, first row of a name wins), replacing
   * what the index held for that (arch, ver), in one transaction.
   */
  put(kernel: KernelToIndex, layouts: Iterable<[string, StoredLayout]>): void {
    const st = this.statements();
    this.db
      .transaction(() => {
        const id = this.insertKernelLocked(kernel);
        for (const [name, layout] of layouts) {
          st.insertName.run(name);
          const nameId = (st.nameId.get(name) as { id: number }).id;
          const body = encode(layout);
          const hash = createHash('sha256').update(body).digest().subarray(0, 20);
          const found = st.layoutId.get(hash) as { id: number } | undefined;
          let layoutId: number;
          if (found) {
            layoutId = found.id;
            st.addRef.run(layoutId);
          } else layoutId = Number(st.insertLayout.run(hash, deflateRawSync(body)).lastInsertRowid);
          st.place.run(nameId, id, layoutId);
        }
      })
      .immediate();
  }

  /**
   * Another indexed kernel whose database is the same file (a hard link: device and inode, size
   * and mtime) or, failing that, has the same content, other than (arch, ver) itself.
   */
  sameContent(kernel: Omit<KernelToIndex, 'content'> & { content?: Buffer }): number | undefined {
    const st = this.statements();
    const { db } = kernel;
    const linked = st.sameFile.get(db.ino, kernel.dev, db.size, db.mtimeMs, kernel.arch, kernel.ver) as
      | { id: number }
      | undefined;
    if (linked || !kernel.content) return linked?.id;
    return (st.sameContent.get(kernel.content, kernel.arch, kernel.ver) as { id: number } | undefined)?.id;
  }

  /** The content digest recorded for an indexed kernel. */
  contentOf(kernelId: number): Buffer | undefined {
    return (this.statements().contentOf.get(kernelId) as { content: Buffer } | undefined)?.content;
  }

  /**
   * Records a kernel whose database has the same content as indexed kernel `peer`: its rows
   * are the peer's, copied in SQL (no layout is read or decoded), in one transaction.
   * False when the peer went meanwhile.
   */
  share(kernel: KernelToIndex, peer: number): boolean {
    const st = this.statements();
    return this.db
      .transaction(() => {
        if (!st.kernelById.get(peer)) return false;
        const id = this.insertKernelLocked(kernel);
        st.addRefsOf.run(peer, peer);
        st.copyPlaced.run(id, peer);
        return true;
      })
      .immediate();
  }

  private insertKernelLocked(kernel: KernelToIndex): number {
    this.removeLocked(kernel.arch, kernel.ver);
    const { db } = kernel;
    return Number(
      this.statements().insertKernel.run(
        kernel.arch,
        kernel.ver,
        kernel.release,
        db.path,
        db.ino,
        db.size,
        db.mtimeMs,
        kernel.dev,
        kernel.content,
      ).lastInsertRowid,
    );
  }

  /** Forgets one kernel (and the layouts no other kernel uses). */
  remove(arch: string, ver: string): void {
    this.db.transaction(() => this.removeLocked(arch, ver)).immediate();
  }

  private removeLocked(arch: string, ver: string): void {
    const st = this.statements();
    const row = st.kernelId.get(arch, ver) as { id: number } | undefined;
    if (!row) return;
    st.dropRefs.run(row.id, row.id);
    st.dropUnused.run(row.id);
    st.unplace.run(row.id);
    st.deleteKernel.run(row.id);
  }

  /**
   * For each kernel id, the first of `names` (in that order of preference) it has a layout for.
   * One range read per name over every kernel.
   */
  placements(kernelIds: Set<number>, names: string[]): Map<number, { name: string; layout: number }> {
    const st = this.statements();
    const out = new Map<number, { name: string; layout: number }>();
    for (const name of names) {
      const rows = st.placedByName.all(name) as { kernel: number; layout: number }[];
      for (const r of rows)
        if (kernelIds.has(r.kernel) && !out.has(r.kernel)) out.set(r.kernel, { name, layout: r.layout });
    }
    return out;
  }

  /** The layout `name` has in one kernel, or undefined. */
  layoutIn(kernelId: number, name: string): IndexedLayout | undefined {
    const id = this.layoutIdIn(kernelId, name);
    return id === undefined ? undefined : this.layout(id, name);
  }

  /** The id of the layout `name` has in one kernel, or undefined. */
  layoutIdIn(kernelId: number, name: string): number | undefined {
    return (this.statements().placedOne.get(name, kernelId) as { layout: number } | undefined)?.layout;
  }

  layout(id: number, name: string): IndexedLayout {
    const key = `${id}\0${name}`;
    let l = this.decoded.get(key);
    if (!l) {
      const r = this.statements().layoutBody.get(id) as { body: Buffer } | undefined;
      if (!r) throw new Error(`layout ${id} vanished from the index`);
      l = decode(name, r.body);
      this.decoded.set(key, l);
      if (this.decoded.size > 20_000) this.decoded.delete(this.decoded.keys().next().value as string);
    }
    return l;
  }

  /** Row counts, for benches and tests. */
  counts(): { kernels: number; names: number; layouts: number; placed: number } {
    const c = (t: string) => (this.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { kernels: c('kernels'), names: c('names'), layouts: c('layouts'), placed: c('placed') };
  }

  private cachedStatements: ReturnType<LayoutIndex['prepare']> | undefined;

  private statements() {
    this.cachedStatements ??= this.prepare();
    return this.cachedStatements;
  }

  private prepare() {
    const p = (sql: string) => this.db.prepare(sql);
    return {
      insertKernel: p(
        'INSERT INTO kernels (arch, ver, release, db_path, db_ino, db_size, db_mtime, db_dev, content) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      kernelById: p('SELECT id FROM kernels WHERE id = ?'),
      sameFile: p(
        'SELECT id FROM kernels WHERE db_ino = ? AND db_dev = ? AND db_size = ? AND db_mtime = ? ' +
          'AND NOT (arch = ? AND ver = ?) LIMIT 1',
      ),
      sameContent: p('SELECT id FROM kernels WHERE content = ? AND NOT (arch = ? AND ver = ?) LIMIT 1'),
      contentOf: p('SELECT content FROM kernels WHERE id = ?'),
      addRefsOf: p(
        'UPDATE layouts SET refs = refs + (SELECT count(*) FROM placed WHERE kernel = ? AND layout = layouts.id) ' +
          'WHERE id IN (SELECT layout FROM placed WHERE kernel = ?)',
      ),
      copyPlaced: p(
        'INSERT INTO placed (name, kernel, layout) SELECT name, ?, layout FROM placed WHERE kernel = ?',
      ),
      kernelId: p('SELECT id FROM kernels WHERE arch = ? AND ver = ?'),
      deleteKernel: p('DELETE FROM kernels WHERE id = ?'),
      insertName: p('INSERT OR IGNORE INTO names (name) VALUES (?)'),
      nameId: p('SELECT id FROM names WHERE name = ?'),
      layoutId: p('SELECT id FROM layouts WHERE hash = ?'),
      addRef: p('UPDATE layouts SET refs = refs + 1 WHERE id = ?'),
      insertLayout: p('INSERT INTO layouts (hash, refs, body) VALUES (?, 1, ?)'),
      place: p('INSERT INTO placed (name, kernel, layout) VALUES (?, ?, ?)'),
      dropRefs: p(
        'UPDATE layouts SET refs = refs - (SELECT count(*) FROM placed WHERE kernel = ? AND layout = layouts.id) ' +
          'WHERE id IN (SELECT layout FROM placed WHERE kernel = ?)',
      ),
      unplace: p('DELETE FROM placed WHERE kernel = ?'),
      dropUnused: p(
        'DELETE FROM layouts WHERE refs <= 0 AND id IN (SELECT layout FROM placed WHERE kernel = ?)',
      ),
      placedByName: p(
        'SELECT p.kernel AS kernel, p.layout AS layout FROM placed p WHERE p.name = (SELECT id FROM names WHERE name = ?)',
      ),
      placedOne: p(
        'SELECT layout FROM placed WHERE name = (SELECT id FROM names WHERE name = ?) AND kernel = ?',
      ),
      layoutBody: p('SELECT body FROM layouts WHERE id = ?'),
    };
  }
}
