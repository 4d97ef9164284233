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
