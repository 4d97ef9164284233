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
    const insertStruct = db.prepare('INSERT INTO structs (id, name, members, bytes) VALUES (?, ?, ?, ?)');
    const insertMember = db.prepare(
      'INSERT INTO members (fid, types, name, offset, bytes, bits) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const insertType = db.prepare('INSERT INTO types (id, name, alias, bytes) VALUES (?, ?, ?, ?)');
    const insertFile = db.prepare('INSERT INTO files (id, file) VALUES (?, ?)');
    const insertFun = db.prepare(
      'INSERT INTO funs (func, args, ret, line, fid, module) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const insertMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');

    db.transaction(() => {
      rows.structs.forEach((s, i) => {
        insertStruct.run(i + 1, s.name, s.members.length, s.bytes);
        for (const m of s.members) insertMember.run(i + 1, m.type, m.name, m.offset, m.bytes, m.bits);
      });
      rows.types.forEach((t, i) => {
        insertType.run(i + 1, t.name, t.alias, t.bytes);
      });
      const fileIds = new Map<string, number>();
      for (const f of rows.funcs) {
        let fid = fileIds.get(f.file);
        if (fid === undefined) {
          fid = fileIds.size + 1;
          fileIds.set(f.file, fid);
          insertFile.run(fid, f.file);
        }
        insertFun.run(f.func, JSON.stringify(f.args), f.ret, f.line, fid, f.module);
      }
      for (const [k, v] of Object.entries(meta)) insertMeta.run(k, v);
      if (rows.moduleBtf?.length) insertModuleBtf(db, rows.moduleBtf);
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
