import type { FuncRow } from '../../kernel-db/rows.js';
import type { RowContext } from './context.js';

/**
 * One row per BTF FUNC record with a body (extern declarations are left out).
 * BTF knows no source position: line 0, file "". `static ` prefixes `ret` for
 * BTF_FUNC_STATIC linkage unless `ignoreLinkage`, or unless no function at all
 * is global: older pahole versions wrote every function as static, so there
 * the linkage says nothing.
 */
export function funcRows(ctx: RowContext, module: string, ignoreLinkage = false): FuncRow[] {
  const rows: FuncRow[] = [];
  const linkageRecorded = ctx.btf.types.some((t) => t.kind === 'func' && t.linkage === 'global');
  const markStatic = linkageRecorded && !ignoreLinkage;
  for (const t of ctx.btf.types) {
    if (t.kind !== 'func' || t.linkage === 'extern') continue;
    const proto = ctx.btf.type(t.type);
    if (proto.kind !== 'func_proto') continue; // excluded by validation
    const args = proto.params.map((p) => ctx.namer.name(p.type));
    if (proto.variadic) args.push('...');
    if (args.length === 0) args.push('void');
    const ret = ctx.namer.name(proto.ret);
    rows.push({
      func: t.name,
      args,
      ret: t.linkage === 'static' && markStatic ? `static ${ret}` : ret,
      line: 0,
      file: '',
      module,
    });
  }
  return rows;
}
