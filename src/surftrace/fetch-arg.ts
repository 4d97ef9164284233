import type { Arch } from '../hive/names.js';
import { type HeadKind, headKind } from './head-names.js';
import type { FuncInfo, KernelTypes } from './kernel-types.js';
import { MemberResolver } from './members.js';
import { registerIndex, registerName } from './registers.js';
import { exprFail, GLOBAL, MEMBER, SPECIAL_VAR, VAR_NAME } from './syntax.js';
import { castType } from './type-text.js';

export interface ArgContext {
  arch: Arch;
  kind: 'p' | 'r' | 'P' | 'R';
  func: FuncInfo;
  /** The probe sits inside the function (`sym+off`): registers are plain u64. */
  inFunction: boolean;
  types: KernelTypes;
}

export interface FetchArg {
  name: string;
  /** The kprobe/uprobe fetch argument: `+0xa8(%di):string`. */
  fetch: string;
  head: HeadKind | null;
  format: 'u' | 's' | 'x';
}

/** Variables the kernel defines on every event. */
const RESERVED = ['common_pid', 'common_preempt_count', 'common_flags', 'common_type'];
const ENTRY_START = /^[SUX]?(@\(struct .*\*\)(l[234]|)|!\(.*\)|)(%|@|\$stack)/;
const RETURN_START = /^[SUX]?(@\(struct .*\*\)(l[234]|)|!\(.*\)|)(\$retval|\$stack|@|%)/;
const SOURCES = ['%', '@', '$'] as const;

/** `comm=%0->comm` → `comm=+0xa8(%di):string`, resolving types through the kernel database. */
export function translateArg(text: string, ctx: ArgContext): FetchArg {
  const eq = text.indexOf('=');
  if (eq < 0) exprFail('variables are written NAME=EXPR');
  const name = text.slice(0, eq);
  let value = text.slice(eq + 1);
  if (!VAR_NAME.test(name)) exprFail('variable names are a letter then letters, digits or _');
  if (value === '$comm') return { name, fetch: '$comm', head: headKind(name), format: 'u' };
  if (RESERVED.includes(name)) exprFail(`${name} is reserve word, can not used for args`);
  if (value.includes('=')) exprFail(`error in expr of variable ${name}: one = only`);
  if (!(ctx.kind === 'p' ? ENTRY_START : RETURN_START).test(value)) {
    exprFail(
      `error in expr of variable ${name}: it starts with %N/%reg, @global, $retval or $stack (after an optional S/U/X and cast)`,
    );
  }
  let format: FetchArg['format'] = 'u';
  if ('SUX'.includes(value[0] as string)) {
    format = (value[0] as string).toLowerCase() as FetchArg['format'];
    value = value.slice(1);
  }

  const modeText = value.includes('(') ? value.slice(value.lastIndexOf('(') + 1) : value;
  let source: (typeof SOURCES)[number] | undefined;
  for (const s of SOURCES) if (modeText.includes(s)) source = s;
  if (!source) return exprFail(`bad arg mode of variable ${name}`);
  const cut = value.lastIndexOf(source);
  const castText = value.slice(0, cut);
  const [head, path] = splitHead(value.slice(cut + 1));

  let argIndex = 0;
  let base: string;
  if (source === '%') {
    argIndex = /^[0-9]{1,2}$/.test(head) ? Number(head) : registerIndex(ctx.arch, head);
    if (argIndex < 0)
      exprFail(`${/^[a-z0-9]{1,8}$/.test(head) ? head : 'that'} is not a ${ctx.arch} register.`);
    const reg = registerName(ctx.arch, argIndex);
    if (reg === undefined) return exprFail(`reg index ${argIndex} overflow.`);
    base = `%${reg}`;
  } else if (source === '@') {
    if (!GLOBAL.test(head)) exprFail('@ names a kernel symbol or a 0x address');
    base = `@${head}`;
  } else {
    if (!SPECIAL_VAR.test(head)) exprFail('$ variables are $retval, $stack, $stackN, $comm or $argN');
    base = `$${head}`;
  }
  const argCount = ctx.func.args.length;
  if (!ctx.inFunction && argIndex > argCount) {
    exprFail(`argi num ${argIndex}, which is larger than func args number ${argCount}.`);
  }

  let argType: string;
  if (castText !== '') argType = castText;
  else if (source === '$' && head === 'retval' && path !== '' && ctx.kind !== 'p' && ctx.kind !== 'P') {
    argType = ctx.func.ret.replace(/^static /, ''); // `$retval->member` reads the returned struct
  } else if (source !== '%') argType = '';
  else if (ctx.inFunction) argType = 'u64';
  else if (ctx.kind === 'p' || ctx.kind === 'P') {
    const t = ctx.func.args[argIndex];
    if (t === undefined || t === '...') {
      return exprFail(`argi num ${argIndex}, which is larger than func args number ${argCount}.`);
    }
    argType = t;
  } else argType = ctx.func.ret.replace(/^static /, '');
  if (castText !== '') castType(castText);

  const fetch = new MemberResolver(ctx.types, format).resolve(splitPath(argType, path), base);
  return { name, fetch, head: headKind(name), format };
}

/** `0->se.x` → [`0`, `->se.x`]: the source name, then the member path. */
function splitHead(xpr: string): [string, string] {
  for (let i = 0; i < xpr.length; i++) {
    if (xpr[i] === '.' || (xpr[i] === '-' && xpr[i + 1] === '>')) return [xpr.slice(0, i), xpr.slice(i)];
  }
  return [xpr, ''];
}

/** [type, op, member, op, member, ...] with `.`/`->` as ops and the start type in front. */
function splitPath(startType: string, path: string): string[] {
  const cells: string[] = [startType];
  let i = 0;
  while (i < path.length) {
    let op: string;
    if (path[i] === '.') op = '.';
    else if (path.startsWith('->', i)) op = '->';
    else return exprFail("bad point mode, should be '->' or '.'");
    i += op.length;
    let j = i;
    while (j < path.length && path[j] !== '.' && !path.startsWith('->', j)) {
      if (path[j] === '-') exprFail("bad point mode, should be '->'");
      j++;
    }
    const member = path.slice(i, j);
    const plain = member.replace(/^!\([^)]*\)/, '');
    if (!MEMBER.test(plain)) exprFail('members are names with optional [index], e.g. ->comm or ->stats[1]');
    cells.push(op, member);
    i = j;
  }
  return cells;
}
