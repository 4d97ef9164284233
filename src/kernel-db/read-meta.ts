import Database from 'better-sqlite3';

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
