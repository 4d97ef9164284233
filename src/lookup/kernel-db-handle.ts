import Database from 'better-sqlite3';

type Statement = Database.Statement<unknown[], unknown>;

/**
 * SQLite's page cache of each handle, in KiB (its default is 2 MB). The files'
 * pages stay in the kernel's page cache anyway; a small cache per handle keeps
 * hundreds of open kernels at about 0.3 MB each, at no measurable cost to a
 * lookup.
 */
const HANDLE_CACHE_KIB = 128;

/** The version of a file the hive registry saw (inode, size, mtime). */
export interface FileVersion {
  ino: number;
  size: number;
  mtimeMs: number;
}

/**
 * One read-only handle on one version of a kernel database file. `identity`
 * names the version opened (inode, size, mtime); `expected`, when given, is
 * the version the caller asked for, which a cache compares without touching
 * the disk.
 */
export class KernelDbHandle {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();
  /** Users right now; a retired handle closes when the last one leaves. */
  private users = 0;
  private retired = false;

  constructor(
    readonly file: string,
    readonly identity: string,
    private readonly expected?: FileVersion,
  ) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.pragma(`cache_size = -${HANDLE_CACHE_KIB}`);
  }

  /** Was this handle opened when the caller's view of the file was `v`? */
  openedFor(v: FileVersion): boolean {
    const e = this.expected;
    return (
      e !== undefined && !this.retired && e.ino === v.ino && e.size === v.size && e.mtimeMs === v.mtimeMs
    );
  }

  /** Prepared once per handle; callers pass only constant SQL and bind every value. */
  statement(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` with the handle held open, even if it is retired meanwhile. */
  use<T>(fn: (h: KernelDbHandle) => T): T {
    this.users++;
    try {
      return fn(this);
    } finally {
      this.users--;
      if (this.retired && this.users === 0) this.close();
    }
  }

  /** No new users; closes now or when the last user leaves. */
  retire(): void {
    this.retired = true;
    if (this.users === 0) this.close();
  }

  private close(): void {
    if (this.db.open) this.db.close();
  }
}
