import type { CellInfo, StructInfo } from './kernel-types.js';

/** Packet headers `@(struct X *)lN%0` can view inside skb->data. */
export const NET_STRUCTS = [
  'struct ethhdr',
  'struct iphdr',
  'struct icmphdr',
  'struct tcphdr',
  'struct udphdr',
];

/** Payload views after a header: `cdata[i]` bytes, `sdata[i]` u16, `ldata[i]` u32, `qdata[i]` u64, `Sdata` text. */
const XDATA: readonly [string, number, string][] = [
  ['cdata', 1, 'unsigned char'],
  ['sdata', 2, 'unsigned short'],
  ['ldata', 4, 'unsigned int'],
  ['qdata', 8, 'unsigned long'],
  ['Sdata', 1, 'char'],
];
const XDATA_BYTES = 1536;

/** A net header struct with its payload views appended after its last byte. */
export function withPayloadViews(s: StructInfo): StructInfo {
  if (!NET_STRUCTS.includes(s.name)) return s;
  const extra: CellInfo[] = XDATA.map(([name, unit, type]) => ({
    type,
    name: `${name}[${XDATA_BYTES / unit}]`,
    offset: s.size,
    size: XDATA_BYTES,
    bits: '',
  }));
  return { ...s, cells: [...s.cells, ...extra] };
}
