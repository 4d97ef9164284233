import { readFile, stat } from 'node:fs/promises';
import {
  funcByArg,
  funcByRet,
  funcExact,
  funcLike,
  structExact,
  structLike,
  typeByName,
} from '../../lookup/queries.js';
import { badKey, has, hasWildcard, nameKey, typeKey } from './keys.js';
import type { LbcCommand, LbcCommandTable } from './types.js';

/** Row limits of the legacy protocol. */
export const LIMITS = { funcLike: 20, funcFilter: 100, structLike: 10 } as const;
const MAX_BTF_BYTES = 256 * 1024 * 1024;

const func: LbcCommand = async (req, ctx) => {
  const kernel = await ctx.lookup.kernel(req.arch, req.ver);
  const f = req.fields;
  const filtered = has(f, 'ret') || has(f, 'arg');
  if (!filtered) {
    const name = nameKey(f, 'func');
    if (name === undefined) return badKey('func');
    return ctx.lookup.cachedJson(kernel, `func\0${name}`, (h) => ({
      log: 'ok.',
      res: hasWildcard(name) ? funcLike(h, name, LIMITS.funcLike) : funcExact(h, name),
    }));
  }
  let pattern: string | undefined;
  if (has(f, 'func') && f.func !== '') {
    pattern = nameKey(f, 'func');
    if (pattern === undefined) return badKey('func');
    if (!hasWildcard(pattern)) return { log: 'query value error.' };
  }
  if (has(f, 'ret')) {
    const ret = typeKey(f, 'ret');
    if (ret === undefined) return badKey('ret');
    return ctx.lookup.cachedJson(kernel, `func-ret\0${ret}\0${pattern ?? ''}`, (h) => ({
      log: 'ok.',
      res: funcByRet(h, ret, pattern, LIMITS.funcFilter),
    }));
  }
  const arg = typeKey(f, 'arg');
  if (arg === undefined) return badKey('arg');
  return ctx.lookup.cachedJson(kernel, `func-arg\0${arg}\0${pattern ?? ''}`, (h) => ({
    log: 'ok.',
    res: funcByArg(h, arg, pattern, LIMITS.funcFilter),
  }));
};

const struct: LbcCommand = async (req, ctx) => {
  const kernel = await ctx.lookup.kernel(req.arch, req.ver);
  const name = nameKey(req.fields, 'struct');
  if (name === undefined) return badKey('struct');
  return ctx.lookup.cachedJson(kernel, `struct\0${name}`, (h) => ({
    log: 'ok.',
    res: hasWildcard(name) ? structLike(h, name, LIMITS.structLike) : structExact(h, name),
  }));
};

const type: LbcCommand = async (req, ctx) => {
  const kernel = await ctx.lookup.kernel(req.arch, req.ver);
  const name = nameKey(req.fields, 'type');
  if (name === undefined) return badKey('type');
  return ctx.lookup.cachedJson(kernel, `type\0${name}`, (h) => ({ log: 'ok.', res: typeByName(h, name) }));
};

const btf: LbcCommand = async (req, ctx) => {
  const kernel = await ctx.lookup.kernel(req.arch, req.ver);
  const failed = { log: 'read btf file failed.', ver: req.ver, arch: req.arch };
  const file = kernel.artifacts.btf?.path;
  if (!file) return failed;
  try {
    const st = await stat(file);
    if (!st.isFile() || st.size > MAX_BTF_BYTES) return failed;
    const data = await readFile(file, { signal: ctx.signal });
    return { log: 'ok.', ver: req.ver, arch: req.arch, btf: data.toString('base64') };
  } catch (err) {
    ctx.log.warn({ err, arch: req.arch, ver: req.ver }, 'btf read failed');
    return failed;
  }
};

/** The lookup commands; `buildApp` adds compile, ko and elf_so. */
export function lookupLbcCommands(): LbcCommandTable {
  return { func, struct, type, btf };
}
