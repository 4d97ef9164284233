import { blankLiterals, normalizeSpaces, splitCallArgs, stripComments } from './c-text.js';

/** Map kinds as pylcc names them in the descriptor. */
export type LbcMapKind =
  | 'event'
  | 'hash'
  | 'array'
  | 'hist2'
  | 'hist10'
  | 'lruHash'
  | 'perHash'
  | 'perArray'
  | 'lruPerHash'
  | 'stack';

export interface LbcMapDecl {
  name: string;
  type: LbcMapKind;
  /** Key and value C types as written in the source ('' when the map has none). */
  fktype: string;
  fvtype: string;
}

interface MacroShape {
  type: LbcMapKind;
  /** Argument count, and where the key/value types sit (fixed types otherwise). */
  arity: number;
  key: number | string;
  value: number | string;
}

const KV = (type: LbcMapKind): MacroShape => ({ type, arity: 4, key: 1, value: 2 });

const MACROS: Record<string, MacroShape> = {
  LBC_PERF_OUTPUT: { type: 'event', arity: 3, key: '', value: 1 },
  LBC_HASH: KV('hash'),
  LBC_LRU_HASH: KV('lruHash'),
  LBC_PERCPU_HASH: KV('perHash'),
  LBC_LRU_PERCPU_HASH: KV('lruPerHash'),
  LBC_ARRAY: KV('array'),
  LBC_PERCPU_ARRAY: KV('perArray'),
  LBC_HIST2: { type: 'hist2', arity: 1, key: 'int', value: 'long int' },
  LBC_HIST10: { type: 'hist10', arity: 1, key: 'int', value: 'long int' },
  LBC_STACK: { type: 'stack', arity: 2, key: 'unsigned int', value: 'long long unsigned int[127]' },
};

const USE = new RegExp(`\\b(${Object.keys(MACROS).join('|')})\\s*\\(`, 'g');
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `index` lies on a preprocessor directive line (e.g. a user's own #define wrapper). */
function onDirectiveLine(text: string, index: number): boolean {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  return /^\s*#/.test(text.slice(lineStart, index));
}

/**
 * The maps a source declares with the LBC_* macros, in source order. Uses with
 * the wrong number of arguments or a non-identifier name are skipped: the
 * compiler reports those.
 */
export function findLbcMaps(source: string): LbcMapDecl[] {
  const text = blankLiterals(stripComments(source));
  const maps = new Map<string, LbcMapDecl>();
  for (const m of text.matchAll(USE)) {
    const macro = m[1]!;
    const at = m.index ?? 0;
    if (onDirectiveLine(text, at)) continue;
    const call = splitCallArgs(text, at + m[0].length - 1);
    const shape = MACROS[macro]!;
    if (!call || call.args.length !== shape.arity) continue;
    const name = call.args[0]!;
    if (!IDENT.test(name)) continue;
    const pick = (p: number | string) => (typeof p === 'number' ? normalizeSpaces(call.args[p]!) : p);
    maps.set(name, { name, type: shape.type, fktype: pick(shape.key), fvtype: pick(shape.value) });
  }
  return [...maps.values()];
}
