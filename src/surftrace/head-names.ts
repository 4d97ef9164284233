import { exprFail } from './syntax.js';

/**
 * Variable-name conventions: `ip_*` holds an IPv4 address in network order,
 * `b16_*`/`b32_*`/`b64_*` (decimal) and `B16_*`/`B32_*`/`B64_*` (hex) a
 * big-endian number. Filters compare raw little-endian words, so their
 * literals are converted; trace output is converted back by the script.
 */
export type HeadKind = { kind: 'ip' } | { kind: 'swap'; bits: 16 | 32 | 64; hex: boolean };

export function headKind(varName: string): HeadKind | null {
  const h = varName.split('_', 1)[0];
  if (!varName.includes('_')) return null;
  if (h === 'ip') return { kind: 'ip' };
  const m = /^([bB])(16|32|64)$/.exec(h ?? '');
  if (!m) return null;
  return { kind: 'swap', bits: Number(m[2]) as 16 | 32 | 64, hex: m[1] === 'B' };
}

/** C `inet_aton`: a, a.b, a.b.c or a.b.c.d, each part decimal, octal (0..) or hex (0x..). */
export function inetAton(text: string): number | null {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(p)) v = Number.parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = Number.parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) v = Number.parseInt(p, 10);
    else return null;
    if (!Number.isSafeInteger(v)) return null;
    nums.push(v);
  }
  const last = nums.pop() as number;
  const maxLast = [0xffffffff, 0xffffff, 0xffff, 0xff][nums.length] as number;
  if (last > maxLast || nums.some((n) => n > 0xff)) return null;
  let v = last;
  nums.forEach((n, i) => {
    v += n * 2 ** (24 - 8 * i);
  });
  return v >>> 0;
}

const swapBytes = (v: bigint, bits: number): bigint => {
  let out = 0n;
  for (let i = 0; i < bits / 8; i++) out = (out << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return out;
};

/** The filter literal for a head-named variable, as the raw little-endian word the kernel compares. */
export function filterLiteral(head: HeadKind, value: string): string {
  if (head.kind === 'ip') {
    const v = inetAton(value);
    if (v === null) return exprFail('ip_ variables compare with an IPv4 address (a.b.c.d)');
    // network order bytes read as a little-endian word
    return `0x${(swapBytes(BigInt(v), 32) & 0xffffffffn).toString(16)}`;
  }
  let n: bigint;
  if (head.hex ? /^(0[xX])?[0-9a-fA-F]{1,16}$/.test(value) : /^0[xX][0-9a-fA-F]{1,16}$/.test(value)) {
    n = BigInt(`0x${value.replace(/^0[xX]/, '')}`);
  } else if (!head.hex && /^[0-9]{1,20}$/.test(value)) {
    n = BigInt(value);
  } else {
    return exprFail(
      `b${head.bits}_/B${head.bits}_ variables compare with a ${head.hex ? 'hex' : 'decimal'} number`,
    );
  }
  if (n >= 1n << BigInt(head.bits)) exprFail(`value does not fit ${head.bits} bits`);
  const swapped = swapBytes(n, head.bits);
  return head.hex ? `0x${swapped.toString(16)}` : swapped.toString(10);
}
