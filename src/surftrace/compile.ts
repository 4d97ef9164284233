import type { Arch } from '../hive/names.js';
import { type FetchArg, translateArg } from './fetch-arg.js';
import { translateFilter } from './filter.js';
import type { FuncInfo, KernelTypes } from './kernel-types.js';
import { type ParsedLine, parseLine } from './line.js';
import { ARG_REGISTERS } from './registers.js';
import { BINARY, EVENT, exprFail, inExpression, KSYMBOL } from './syntax.js';

export type ProbeType = 'kprobe' | 'kretprobe' | 'uprobe' | 'uretprobe' | 'event';

export interface CompiledExpression {
  index: number;
  type: ProbeType;
  /** `p0`/`r1` (letter + expression index) for probes, `CATEGORY/EVENT` for trace events. */
  event: string;
  /**
   * The probe definition as `surftrace -S` prints it (`p:p0 wake_up_new_task comm=+0xa8(%di):string`);
   * for uprobes the host fills `{path}:{offset}`. null for trace events.
   */
  definition: string | null;
  /** The ftrace filter, '' for none. */
  filter: string;
  /** Kprobe function (+offset as written) or uprobe symbol. */
  symbol?: string;
  /** Uprobe binary as given (absolute path, or a name the host looks up). */
  binary?: string;
  /** The fetch arguments, each ` name=fetch`. */
  fetchArgs: string;
  vars: FetchArg[];
}

const UPROBE_SYMBOL = /^([A-Za-z_][A-Za-z0-9_.]{0,127})(?:\+(0x[0-9a-fA-F]{1,8}|[0-9]{1,10}))?$/;

/** Turns surftrace expressions into probe definitions and filters for one kernel. */
export function compileExpressions(lines: string[], arch: Arch, types: KernelTypes): CompiledExpression[] {
  if (lines.length === 0) exprFail('no expressions');
  if (lines.length > 64) exprFail('at most 64 expressions');
  return lines.map((line, index) =>
    inExpression(index, () => compileOne(parseLine(line), index, arch, types)),
  );
}

/** Syntax only (no kernel needed): what a kernel=auto bootstrap checks before asking again. */
export function checkSyntax(lines: string[]): void {
  if (lines.length === 0) exprFail('no expressions');
  if (lines.length > 64) exprFail('at most 64 expressions');
  lines.forEach((line, index) => {
    inExpression(index, () => {
      const p = parseLine(line);
      checkSymbol(p);
      if (p.filter !== '') translateFilter(p.filter);
    });
  });
}

function checkSymbol(p: ParsedLine): void {
  if (p.kind === 'e') {
    if (!EVENT.test(p.symbol)) exprFail('events are named CATEGORY/EVENT, e.g. sched/sched_process_exec');
  } else if (p.kind === 'p' || p.kind === 'r') {
    if (!KSYMBOL.test(p.symbol)) exprFail('kprobes take SYMBOL or SYMBOL+OFFSET');
  } else {
    const colon = p.symbol.lastIndexOf(':');
    if (colon < 0) exprFail('uprobes take BINARY:SYMBOL');
    if (!BINARY.test(p.symbol.slice(0, colon))) exprFail('the uprobe binary must be a plain path or name');
    if (!UPROBE_SYMBOL.test(p.symbol.slice(colon + 1))) exprFail('uprobes take BINARY:SYMBOL[+OFFSET]');
  }
}

function compileOne(p: ParsedLine, index: number, arch: Arch, types: KernelTypes): CompiledExpression {
  checkSymbol(p);
  const filter = p.filter === '' ? '' : translateFilter(p.filter);
  if (p.kind === 'e') {
    if (p.args.length > 0) exprFail('trace events take no variables, only f:FILTER');
    return { index, type: 'event', event: p.symbol, definition: null, filter, fetchArgs: '', vars: [] };
  }
  const letter = p.kind.toLowerCase();
  const event = `${letter}${index}`;
  let func: FuncInfo;
  let inFunction = false;
  let target: string;
  let binary: string | undefined;
  if (p.kind === 'p' || p.kind === 'r') {
    const m = KSYMBOL.exec(p.symbol) as RegExpExecArray;
    const name = m[1] as string;
    inFunction = m[2] !== undefined;
    const found =
      types.func(name) ?? (name.includes('.') ? types.func(name.split('.', 1)[0] as string) : null);
    if (!found) {
      return exprFail(
        `no ${name} debuginfo in this kernel (not a function of its database)`,
        'FUNCTION_NOT_FOUND',
      );
    }
    func = found;
    target = p.symbol;
  } else {
    binary = p.symbol.slice(0, p.symbol.lastIndexOf(':'));
    inFunction = p.symbol.includes('+', binary.length);
    // the server cannot read the host's binary: arguments default to int, as the client does without debuginfo
    func = { args: Array(ARG_REGISTERS[arch]).fill('int'), ret: 'int' };
    target = '{path}:{offset}';
  }
  const vars: FetchArg[] = [];
  for (const arg of p.args) {
    const v = translateArg(arg, { arch, kind: p.kind, func, inFunction, types });
    if (vars.some((o) => o.name === v.name)) exprFail(`var ${v.name} is already used at previous expression`);
    vars.push(v);
  }
  const fetchArgs = vars.map((v) => ` ${v.name}=${v.fetch}`).join('');
  const isUprobe = p.kind === 'P' || p.kind === 'R';
  return {
    index,
    type: isUprobe ? (p.kind === 'P' ? 'uprobe' : 'uretprobe') : p.kind === 'p' ? 'kprobe' : 'kretprobe',
    event,
    definition: `${letter}:${event} ${target}${fetchArgs}`,
    filter,
    symbol: isUprobe ? p.symbol.slice(p.symbol.lastIndexOf(':') + 1) : p.symbol,
    ...(binary !== undefined ? { binary } : {}),
    fetchArgs,
    vars,
  };
}
