import type { KernelDbHandle } from '../lookup/kernel-db-handle.js';
import { funcExact, structExact, typeByName } from '../lookup/queries.js';
import type { FuncInfo, KernelTypes, StructInfo, TypeInfo } from './kernel-types.js';

/** KernelTypes over one open kernel database, memoized for one compilation. */
export function lookupTypes(h: KernelDbHandle): KernelTypes {
  const funcs = new Map<string, FuncInfo | null>();
  const structs = new Map<string, StructInfo | null>();
  const types = new Map<string, TypeInfo | null>();
  const memo = <T>(m: Map<string, T>, k: string, load: () => T): T => {
    if (!m.has(k)) m.set(k, load());
    return m.get(k) as T;
  };
  return {
    func: (name) =>
      memo(funcs, name, () => {
        const f = funcExact(h, name)[0];
        return f ? { args: f.args, ret: f.ret } : null;
      }),
    struct: (name) =>
      memo(structs, name, () => {
        const s = structExact(h, name);
        return s ? { name: s.name, size: s.size, cells: s.cell } : null;
      }),
    type: (name) =>
      memo(types, name, () => {
        const t = typeByName(h, name.includes('*') ? '_' : name);
        return t ? { name: t.name, alias: t.type, size: t.size } : null;
      }),
  };
}
