import { fail } from '../errors/codes.js';

const MAX_ENV_CHARS = 4096;
const MAX_FLAGS = 64;

/** Splits like a POSIX shell would, without running one: quotes and backslashes group, nothing expands. */
export function splitFlags(env: string): string[] {
  const args: string[] = [];
  let cur = '';
  let inArg = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < env.length; i++) {
    const c = env[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < env.length && '"\\$`'.includes(env[i + 1]!)) cur += env[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inArg = true;
    } else if (c === '\\') {
      if (i + 1 >= env.length) fail('BAD_FLAGS', 'env ends with a lone backslash');
      cur += env[++i];
      inArg = true;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (inArg) args.push(cur);
      cur = '';
      inArg = false;
    } else {
      cur += c;
      inArg = true;
    }
  }
  if (quote) fail('BAD_FLAGS', 'env has an unterminated quote');
  if (inArg) args.push(cur);
  return args;
}

const CONTROL = /[\u0000-\u001f\u007f]/;
const MACRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\([A-Za-z0-9_, .]*\))?$/;
const WARNING = /^-W(no-)?[a-z][a-z0-9-]*(=[a-z0-9-]+)?$/;
const STD = /^-std=(c|gnu)(89|90|99|11|17|18)$/;
const ALLOWED_HELP = 'allowed: -DNAME[=VALUE], -UNAME, -w, -W<warning>, -std=<c standard>';

function checkDefine(flag: string, value: string, n: number): void {
  const eq = value.indexOf('=');
  const name = eq < 0 ? value : value.slice(0, eq);
  if (!MACRO_NAME.test(name)) fail('BAD_FLAGS', `env argument ${n}: ${flag} needs a macro name`);
}

/**
 * The compiler arguments a client's `env` string may add: macro definitions,
 * warnings and the C standard. Anything that could read or write a file, load
 * code or change the target (-include, -I, -o, -fplugin=, -Xclang, @file,
 * --sysroot, -Wp,...) is refused. The message names the argument by position
 * only, never echoing it.
 */
export function parseCompileFlags(env: string | undefined | null): string[] {
  if (env === undefined || env === null || env === '') return [];
  if (typeof env !== 'string') fail('BAD_FLAGS', 'env must be a string');
  if (env.length > MAX_ENV_CHARS) fail('BAD_FLAGS', `env is longer than ${MAX_ENV_CHARS} characters`);
  if (CONTROL.test(env.replace(/[\t\n]/g, ' '))) fail('BAD_FLAGS', 'env contains control characters');
  return checkFlags(splitFlags(env));
}

/** Validates an already split argument list against the allow-list; returns the normalized arguments. */
export function checkFlags(raw: readonly string[]): string[] {
  if (raw.length > MAX_FLAGS) fail('BAD_FLAGS', `env has more than ${MAX_FLAGS} arguments`);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const arg = raw[i]!;
    const n = i + 1;
    // A newline inside -D's value would start a new directive in the predefines: refuse any control character.
    if (CONTROL.test(arg) || CONTROL.test(raw[i + 1] ?? ''))
      fail('BAD_FLAGS', `env argument ${n} contains control characters`);
    if (arg === '-D' || arg === '-U') {
      const next = raw[++i];
      if (next === undefined) fail('BAD_FLAGS', `env argument ${n}: ${arg} needs a macro name`);
      if (arg === '-U' && !MACRO_NAME.test(next!))
        fail('BAD_FLAGS', `env argument ${n}: -U needs a macro name`);
      if (arg === '-D') checkDefine('-D', next!, n);
      out.push(`${arg}${next}`);
    } else if (arg.startsWith('-D')) {
      checkDefine('-D', arg.slice(2), n);
      out.push(arg);
    } else if (arg.startsWith('-U')) {
      if (!MACRO_NAME.test(arg.slice(2))) fail('BAD_FLAGS', `env argument ${n}: -U needs a macro name`);
      out.push(arg);
    } else if (arg === '-w' || WARNING.test(arg) || STD.test(arg)) {
      out.push(arg);
    } else {
      fail('BAD_FLAGS', `env argument ${n} is not an allowed compiler flag (${ALLOWED_HELP})`);
    }
  }
  return out;
}
