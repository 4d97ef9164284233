import type Database from 'better-sqlite3';
import type { ModuleBtfRow } from './rows.js';

/**
 * Module split BTF and build ids, beside the tables surftrace reads (which it
 * never lists, so an extra table is invisible to it). Absent in databases
 * built before it existed, and in those without modules.
 */
export const MODULE_BTF_TABLE = 'btf_modules';

const SCHEMA = `CREATE TABLE IF NOT EXISTS ${MODULE_BTF_TABLE} (name TEXT PRIMARY KEY, build_id TEXT NOT NULL, btf BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS ${MODULE_BTF_TABLE}_build_id ON ${MODULE_BTF_TABLE}(build_id);`;

export function insertModuleBtf(db: Database.Database, rows: ModuleBtfRow[]): void {
  db.exec(SCHEMA);
  const insert = db.prepare(
    `INSERT OR IGNORE INTO ${MODULE_BTF_TABLE} (name, build_id, btf) VALUES (?, ?, ?)`,
  );
  for (const r of rows) insert.run(r.name, r.buildId, r.btf);
}

export function hasModuleBtf(db: Database.Database): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(MODULE_BTF_TABLE) !==
    undefined
  );
}

/** Name and build id of every module with BTF, without the BTF itself. */
export function moduleBuildIds(db: Database.Database): { name: string; buildId: string }[] {
  if (!hasModuleBtf(db)) return [];
  return db.prepare(`SELECT name, build_id AS buildId FROM ${MODULE_BTF_TABLE} ORDER BY name`).all() as {
    name: string;
    buildId: string;
  }[];
}

/** One module's split BTF, or undefined. */
export function moduleBtfBytes(db: Database.Database, name: string): Buffer | undefined {
  if (!hasModuleBtf(db)) return undefined;
  const row = db.prepare(`SELECT btf FROM ${MODULE_BTF_TABLE} WHERE name = ?`).get(name) as
    | { btf: Buffer }
    | undefined;
  return row?.btf;
}
