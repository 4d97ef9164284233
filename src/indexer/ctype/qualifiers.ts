/** Qualifier set as bits, so that `const const char` collapses to `const char`. */
export const Q_CONST = 1;
export const Q_VOLATILE = 2;
export const Q_RESTRICT = 4;

export const qualifierBit = (kind: 'const' | 'volatile' | 'restrict'): number =>
  kind === 'const' ? Q_CONST : kind === 'volatile' ? Q_VOLATILE : Q_RESTRICT;

/** In gdb's order: `const volatile`. */
export function qualifierText(quals: number): string {
  const words: string[] = [];
  if (quals & Q_CONST) words.push('const');
  if (quals & Q_VOLATILE) words.push('volatile');
  if (quals & Q_RESTRICT) words.push('restrict');
  return words.join(' ');
}
