import { CTYPE, exprFail } from './syntax.js';

/** The type inside the first parentheses: `!(struct file *)` → `struct file *`. */
export function castType(text: string): string {
  const m = /\(([^)]+)\)/.exec(text);
  if (!m) return exprFail('a cast needs a type in parentheses');
  const t = (m[1] as string).trim();
  if (!CTYPE.test(t)) exprFail('a cast names a C type such as u64 or struct file *');
  return t;
}

export const stripPointer = (t: string): string => t.replace(/^[\s*]+|[\s*]+$/g, '');

/** `struct x` / `union x` (qualifiers dropped, pointer stars kept), or null. */
export function structType(t: string): string | null {
  const s = t.replace(/\b(?:const|volatile)\s+/g, '').trim();
  return s.startsWith('struct ') || s.startsWith('union ') ? s : null;
}

/** Contents of the first `[...]`: `stats[2][3]` → `2`, `cpu_bitmap[]` → ``; null without brackets. */
export function firstIndex(name: string): string | null {
  const m = /\[([^\]]*)\]/.exec(name);
  return m ? (m[1] as string) : null;
}

export const baseName = (name: string): string => name.split('[', 1)[0] as string;
