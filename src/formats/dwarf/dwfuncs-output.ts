import { SurfhiveError } from '../../errors/codes.js';
import type { MemberArrayDims } from './array-dims.js';

/** One function as the dwfuncs helper prints it (before `static ` and module are applied). */
export interface DwarfFunc {
  name: string;
  ret: string;
  external: boolean;
  line: number;
  file: string;
  args: string[];
}

/** Everything one dwfuncs run printed. */
export interface DwfuncsListing {
  funcs: DwarfFunc[];
  /** Only with `-a`; empty otherwise. */
  arrayDims: MemberArrayDims[];
}

const ESCAPE = /\\(?:x([0-9a-fA-F]{2})|(.))/g;
const SIMPLE: Record<string, string> = { '\\': '\\', t: '\t', n: '\n' };

function unescapeField(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(ESCAPE, (_m, hex: string | undefined, ch: string | undefined) => {
    if (hex !== undefined) return String.fromCharCode(Number.parseInt(hex, 16));
    const v = SIMPLE[ch ?? ''];
    if (v === undefined) throw bad();
    return v;
  });
}

const bad = () => new SurfhiveError('TOOL_FAILED', 'dwfuncs printed output it should not');
const DIGITS = /^\d{1,20}$/;

function parseFunc(fields: string[]): DwarfFunc {
  if (fields.length < 7) throw bad();
  const [, name, ret, ext, lineNo, file, ...args] = fields.map(unescapeField);
  const num = Number(lineNo);
  if (!Number.isSafeInteger(num) || num < 0 || (ext !== '0' && ext !== '1')) throw bad();
  return { name: name!, ret: ret!, external: ext === '1', line: num, file: file!, args };
}

/** An `A` record; undefined when its numbers are too large to describe any real member. */
function parseArrayDims(fields: string[]): MemberArrayDims | undefined {
  if (fields.length < 6) throw bad();
  const [, anchor, offset, path, ...dims] = fields;
  if (!DIGITS.test(offset!) || !dims.every((d) => DIGITS.test(d))) throw bad();
  const nums = [offset!, ...dims].map(Number);
  if (!nums.every(Number.isSafeInteger)) return undefined;
  return {
    anchor: unescapeField(anchor!),
    path: unescapeField(path!),
    offset: nums[0]!,
    dims: nums.slice(1),
  };
}

/**
 * Parses dwfuncs output: `F` lines (name, ret, external, line, file, args...),
 * with `-a` also `A` lines (anchor, offset, path, dims...), and a final
 * `E <F count> [<A count>]` line. A missing or wrong trailer means the output was cut.
 */
export function parseDwfuncsListing(text: string): DwfuncsListing {
  const funcs: DwarfFunc[] = [];
  const arrayDims: MemberArrayDims[] = [];
  let arrayLines = 0;
  let end: number[] | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (end !== undefined) throw bad();
    const fields = line.split('\t');
    if (fields[0] === 'E' && (fields.length === 2 || fields.length === 3)) {
      end = fields.slice(1).map((f) => (DIGITS.test(f) ? Number(f) : -1));
    } else if (fields[0] === 'F') {
      funcs.push(parseFunc(fields));
    } else if (fields[0] === 'A') {
      arrayLines++;
      const rec = parseArrayDims(fields);
      if (rec) arrayDims.push(rec);
    } else {
      throw bad();
    }
  }
  if (!end || end[0] !== funcs.length || (end[1] ?? 0) !== arrayLines)
    throw new SurfhiveError('TOOL_FAILED', 'dwfuncs output is incomplete');
  return { funcs, arrayDims };
}

/** The functions of a dwfuncs listing (see parseDwfuncsListing). */
export function parseDwfuncsOutput(text: string): DwarfFunc[] {
  return parseDwfuncsListing(text).funcs;
}
