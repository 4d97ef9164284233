import type { CellAnswer, FuncAnswer, StructAnswer, StructSummary, TypeAnswer } from './answers.js';
import type { KernelDbHandle } from './kernel-db-handle.js';

/*
 * Every query binds its values; no input ever becomes SQL text. LIKE keeps the
 * legacy semantics (`%` any run, `_` any one character, ASCII case-insensitive).
 */

const FUNC_COLUMNS =
  'SELECT f.func AS func, f.args AS args, f.ret AS ret, f.line AS line, fi.file AS file ' +
  'FROM funs f LEFT JOIN files fi ON fi.id = f.fid';

interface FuncRowOut {
  func: string | null;
  args: string | null;
  ret: string | null;
  line: number | null;
  file: string | null;
}

function parseArgs(json: string | null): string[] {
  if (!json) return [];
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

const toFunc = (r: FuncRowOut): FuncAnswer => ({
  func: r.func ?? '',
  args: parseArgs(r.args),
  ret: r.ret ?? '',
  line: r.line ?? 0,
  file: r.file ?? '',
});

const funcs = (h: KernelDbHandle, sql: string, ...params: unknown[]): FuncAnswer[] =>
  (h.statement(sql).all(...params) as FuncRowOut[]).map(toFunc);

export const funcExact = (h: KernelDbHandle, name: string): FuncAnswer[] =>
  funcs(h, `${FUNC_COLUMNS} WHERE f.func = ? ORDER BY f.id`, name);

export const funcLike = (h: KernelDbHandle, pattern: string, limit: number, offset = 0): FuncAnswer[] =>
  funcs(h, `${FUNC_COLUMNS} WHERE f.func LIKE ? ORDER BY f.id LIMIT ? OFFSET ?`, pattern, limit, offset);

/** Functions returning `ret` or `static ret`, optionally with a name pattern. */
export function funcByRet(
  h: KernelDbHandle,
  ret: string,
  pattern: string | undefined,
  limit: number,
  offset = 0,
): FuncAnswer[] {
  const where = '(f.ret = ? OR f.ret = ?)';
  return pattern === undefined
    ? funcs(
        h,
        `${FUNC_COLUMNS} WHERE ${where} ORDER BY f.id LIMIT ? OFFSET ?`,
        ret,
        `static ${ret}`,
        limit,
        offset,
      )
    : funcs(
        h,
        `${FUNC_COLUMNS} WHERE ${where} AND f.func LIKE ? ORDER BY f.id LIMIT ? OFFSET ?`,
        ret,
        `static ${ret}`,
        pattern,
        limit,
        offset,
      );
}

/** Functions with an argument whose type string equals `arg`. */
export function funcByArg(
  h: KernelDbHandle,
  arg: string,
  pattern: string | undefined,
  limit: number,
  offset = 0,
): FuncAnswer[] {
  const where = 'EXISTS (SELECT 1 FROM json_each(f.args) j WHERE j.value = ?)';
  return pattern === undefined
    ? funcs(h, `${FUNC_COLUMNS} WHERE ${where} ORDER BY f.id LIMIT ? OFFSET ?`, arg, limit, offset)
    : funcs(
        h,
        `${FUNC_COLUMNS} WHERE ${where} AND f.func LIKE ? ORDER BY f.id LIMIT ? OFFSET ?`,
        arg,
        pattern,
        limit,
        offset,
      );
}

/** Function search with any combination of name pattern, return type and argument type. */
export function funcSearch(
  h: KernelDbHandle,
  q: { pattern?: string; ret?: string; arg?: string; limit: number; offset: number },
): FuncAnswer[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.pattern !== undefined) {
    where.push('f.func LIKE ?');
    params.push(q.pattern);
  }
  if (q.ret !== undefined) {
    where.push('(f.ret = ? OR f.ret = ?)');
    params.push(q.ret, `static ${q.ret}`);
  }
  if (q.arg !== undefined) {
    where.push('EXISTS (SELECT 1 FROM json_each(f.args) j WHERE j.value = ?)');
    params.push(q.arg);
  }
  const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  return funcs(h, `${FUNC_COLUMNS}${clause} ORDER BY f.id LIMIT ? OFFSET ?`, ...params, q.limit, q.offset);
}

interface StructRowOut {
  id: number;
  name: string;
  members: number;
  bytes: number;
}

const summary = (r: StructRowOut): StructSummary => ({ name: r.name, members: r.members, size: r.bytes });

export function structRow(h: KernelDbHandle, name: string): StructRowOut | undefined {
  return h
    .statement('SELECT id, name, members, bytes FROM structs WHERE name = ? ORDER BY id LIMIT 1')
    .get(name) as StructRowOut | undefined;
}

/**
 * The struct a REST caller means: the exact row name, or for a bare tag such as
 * `task_struct`, `struct task_struct` and then `union task_struct`. The legacy
 * protocol stays exact.
 */
export function structByTag(h: KernelDbHandle, name: string): StructRowOut | undefined {
  const exact = structRow(h, name);
  if (exact || name.includes(' ')) return exact;
  return structRow(h, `struct ${name}`) ?? structRow(h, `union ${name}`);
}

/** Rows as arrays: a cold lookup of a large struct (hundreds of members) spends most of its time here. */
export function structCells(h: KernelDbHandle, id: number): CellAnswer[] {
  const rows = h
    .statement('SELECT types, name, offset, bytes, bits FROM members WHERE fid = ? ORDER BY id')
    .raw(true)
    .all(id) as [string, string, number, number, string | null][];
  return rows.map((m) => ({ type: m[0], name: m[1], offset: m[2], size: m[3], bits: m[4] ?? '' }));
}

export function structExact(h: KernelDbHandle, name: string): StructAnswer | null {
  return structAnswer(h, structRow(h, name));
}

export function structAnswer(h: KernelDbHandle, r: StructRowOut | undefined): StructAnswer | null {
  return r ? { ...summary(r), cell: structCells(h, r.id) } : null;
}

export const structLike = (h: KernelDbHandle, pattern: string, limit: number, offset = 0): StructSummary[] =>
  (
    h
      .statement(
        'SELECT id, name, members, bytes FROM structs WHERE name LIKE ? ORDER BY id LIMIT ? OFFSET ?',
      )
      .all(pattern, limit, offset) as StructRowOut[]
  ).map(summary);

export const structAll = (h: KernelDbHandle, limit: number, offset: number): StructSummary[] =>
  (
    h
      .statement('SELECT id, name, members, bytes FROM structs ORDER BY id LIMIT ? OFFSET ?')
      .all(limit, offset) as StructRowOut[]
  ).map(summary);

interface TypeRowOut {
  name: string;
  alias: string;
  bytes: number;
}
const toType = (r: TypeRowOut): TypeAnswer => ({ name: r.name, type: r.alias, size: r.bytes });

/** `_` is the client's spelling for "any pointer": row 1, `void *`. */
export function typeByName(h: KernelDbHandle, name: string): TypeAnswer | null {
  const r = (
    name === '_'
      ? h.statement('SELECT name, alias, bytes FROM types WHERE id = 1').get()
      : h.statement('SELECT name, alias, bytes FROM types WHERE name = ? ORDER BY id LIMIT 1').get(name)
  ) as TypeRowOut | undefined;
  return r ? toType(r) : null;
}

export const typeLike = (h: KernelDbHandle, pattern: string, limit: number, offset: number): TypeAnswer[] =>
  (
    h
      .statement('SELECT name, alias, bytes FROM types WHERE name LIKE ? ORDER BY id LIMIT ? OFFSET ?')
      .all(pattern, limit, offset) as TypeRowOut[]
  ).map(toType);

/** The builder's `meta` table; databases from the old builder have none. */
export function metaTable(h: KernelDbHandle): Record<string, string> {
  const hasMeta = h.statement("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return {};
  const out: Record<string, string> = Object.create(null);
  for (const r of h.statement('SELECT key, value FROM meta ORDER BY key').all() as {
    key: string;
    value: string;
  }[]) {
    out[String(r.key)] = String(r.value ?? '');
  }
  return { ...out };
}

export interface KernelCounts {
  structs: number;
  functions: number;
  types: number;
}

const count = (h: KernelDbHandle, table: 'structs' | 'funs' | 'types'): number =>
  (h.statement(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** How many rows a kernel database holds, for overviews. */
export const kernelCounts = (h: KernelDbHandle): KernelCounts => ({
  structs: count(h, 'structs'),
  functions: count(h, 'funs'),
  types: count(h, 'types'),
});
