import type { CoreMatrix, ReloResult } from './types.js';

const SHORT: Record<ReloResult['status'], string> = {
  ok: '',
  missing_type: 'TYPE?',
  missing_field: 'FIELD?',
  incompatible: 'INCOMPAT',
  ambiguous: 'AMBIG',
  skipped: '-',
};

/** One cell: the resolved value, or why not; a poisoned access the verifier never reaches is in parentheses. */
function cell(r: ReloResult | undefined): string {
  if (!r) return '';
  if (r.status === 'ok') return String(r.value ?? '');
  const text = SHORT[r.status];
  return r.fatal || r.reachable || r.status === 'skipped' ? text : `(${text})`;
}

const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - s.length));

/** The matrix for a terminal: a legend of relocations, then one row per kernel, then the summary. */
export function renderMatrix(m: CoreMatrix): string {
  const lines: string[] = [];
  lines.push(`${m.object.relos.length} CO-RE relocations:`);
  for (const [i, r] of m.object.relos.entries())
    lines.push(`  #${i}  ${r.access}  (${r.kind}; ${r.program ?? '-'} in ${r.section})`);
  const header = ['kernel', 'verdict', ...m.object.relos.map((_, i) => `#${i}`)];
  const rows = m.kernels.map((k) => [
    `${k.arch} ${k.release} ${k.ver}`,
    k.error ? 'NO BTF' : k.loads ? 'loads' : 'FAILS',
    ...m.object.relos.map((_, i) => cell(k.relos[i])),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  lines.push('');
  for (const row of [header, ...rows])
    lines.push(
      row
        .map((v, c) => pad(v, widths[c]!))
        .join('  ')
        .trimEnd(),
    );
  lines.push('');
  lines.push(
    `${m.summary.loads} of ${m.summary.kernels} kernels load; ${m.summary.groups.length} distinct outcomes`,
  );
  for (const k of m.kernels.filter((k) => k.failing.length > 0))
    lines.push(`  ${k.ver}: ${k.failing.join(', ')} fail${k.failing.length === 1 ? 's' : ''}`);
  lines.push('(x): poisoned where the verifier never reaches it, e.g. behind bpf_core_field_exists()');
  return `${lines.join('\n')}\n`;
}
