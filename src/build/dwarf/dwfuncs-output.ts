import { SurfhiveError } from '../../errors/index.js';

/** One function as the dwfuncs helper prints it (before `static ` and module are applied). */
export interface DwarfFunc {
  name: string;
  ret: string;
  external: boolean;
  line: number;
  file: string;
  args: string[];
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

/**
 * Parses dwfuncs output: `F` lines (name, ret, external, line, file, args...)
 * and a final `E <count>` line. A missing or wrong trailer means the output was cut.
 */
export function parseDwfuncsOutput(text: string): DwarfFunc[] {
  const out: DwarfFunc[] = [];
  let end: number | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (end !== undefined) throw bad();
    const fields = line.split('\t');
    if (fields[0] === 'E' && fields.length === 2) {
      end = Number(fields[1]);
      continue;
    }
    if (fields[0] !== 'F' || fields.length < 7) throw bad();
    const [, name, ret, ext, lineNo, file, ...args] = fields.map(unescapeField);
    const num = Number(lineNo);
    if (!Number.isSafeInteger(num) || num < 0 || (ext !== '0' && ext !== '1')) throw bad();
    out.push({ name: name!, ret: ret!, external: ext === '1', line: num, file: file!, args });
  }
  if (end !== out.length) throw new SurfhiveError('TOOL_FAILED', 'dwfuncs output is incomplete');
  return out;
}
