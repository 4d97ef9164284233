import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { insertModuleBtf } from './module-btf.js';
import type { KernelMeta, KernelRows } from './rows.js';

/**
 * Writes a complete kernel database to `file`, which must not be visible to
 * readers yet (callers publish it with a rename). Rows are inserted in one
 * transaction, indexes built after the data.
 */
export function writeKernelDb(file: string, rows: KernelRows, meta: KernelMeta = {}): void {
  rmSync(file, { force: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.exec(KERNEL_DB_SCHEMA);
    db.transaction(() => {
      insertKernelRows(db, rows);
      const insertMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      for (const [k, v] of Object.entries(meta)) insertMeta.run(k, v);
    })();
    db.exec(KERNEL_DB_INDEXES);
    db.exec('ANALYZE');
  } catch (err) {
    db.close();
    rmSync(file, { force: true });
    throw err;
  }
  db.close();
}

/**
 * Inserts rows after those a database already holds (struct, type and file ids go on from
 * the largest; a file name already listed keeps its id). The caller runs it in a transaction.
 */
export function insertKernelRows(db: Database.Database, rows: KernelRows): void {
  const nextId = (table: string) =>
    ((db.prepare(`SELECT max(id) AS n FROM ${table}`).get() as { n: number | null }).n ?? 0) + 1;
  const insertStruct = db.prepare('INSERT INTO structs (id, name, members, bytes) VALUES (?, ?, ?, ?)');
  const insertMember = db.prepare(
    'INSERT INTO members (fid, types, name, offset, bytes, bits) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const insertType = db.prepare('INSERT INTO types (id, name, alias, bytes) VALUES (?, ?, ?, ?)');
  const insertFile = db.prepare('INSERT INTO files (id, file) VALUES (?, ?)');
  const insertFun = db.prepare(
    'INSERT INTO funs (func, args, ret, line, fid, module) VALUES (?, ?, ?, ?, ?, ?)',
  );

  const structBase = nextId('structs');
  rows.structs.forEach((s, i) => {
    insertStruct.run(structBase + i, s.name, s.members.length, s.bytes);
    for (const m of s.members) insertMember.run(structBase + i, m.type, m.name, m.offset, m.bytes, m.bits);
  });
  const typeBase = nextId('types');
  rows.types.forEach((t, i) => {
    insertType.run(typeBase + i, t.name, t.alias, t.bytes);
  });
  const fileIds = new Map(
    (db.prepare('SELECT id, file FROM files').all() as { id: number; file: string }[]).map((f) => [
      f.file,
      f.id,
    ]),
  );
  let fileId = nextId('files');
  for (const f of rows.funcs) {
    let fid = fileIds.get(f.file);
    if (fid === undefined) {
      fid = fileId++;
      fileIds.set(f.file, fid);
      insertFile.run(fid, f.file);
    }
    insertFun.run(f.func, JSON.stringify(f.args), f.ret, f.line, fid, f.module);
  }
  if (rows.moduleBtf?.length) insertModuleBtf(db, rows.moduleBtf);
}

/** Column names are fixed: surftrace's local mode queries these tables directly. */
export const KERNEL_DB_SCHEMA = `
CREATE TABLE files (id INTEGER PRIMARY KEY, file TEXT);
CREATE TABLE funs (id INTEGER PRIMARY KEY, func VARCHAR(128), args JSON, ret VARCHAR(64),
                   line INTEGER, fid INTEGER, module VARCHAR(64));
CREATE TABLE structs (id INTEGER PRIMARY KEY, name VARCHAR(64), members INTEGER, bytes INTEGER);
CREATE TABLE members (id INTEGER PRIMARY KEY, fid INTEGER, types VARCHAR(128), name VARCHAR(64),
                      offset INTEGER, bytes INTEGER, bits VARCHAR(16) DEFAULT "");
CREATE TABLE types (id INTEGER PRIMARY KEY, name VARCHAR(64), alias VARCHAR(64), bytes INTEGER);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
`;

export const KERNEL_DB_INDEXES = `
CREATE INDEX funs_func ON funs(func);
CREATE INDEX funs_ret ON funs(ret);
CREATE INDEX structs_name ON structs(name);
CREATE INDEX members_fid ON members(fid);
CREATE INDEX types_name ON types(name);
`;

/** The `meta` table of a published database, or undefined when the file is absent or not ours. */
export function readKernelMeta(file: string): Record<string, string> | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}
