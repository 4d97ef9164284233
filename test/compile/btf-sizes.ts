import { readFileSync } from 'node:fs';
import { memberLayout } from '../../src/formats/btf/members.js';
import { parseBtf } from '../../src/formats/btf/parse.js';
import { BtfSizes } from '../../src/formats/btf/sizes.js';
import type { Btf, BtfComposite } from '../../src/formats/btf/types.js';
import { extractBtfSection } from '../../src/formats/elf/section-data.js';

export function objectBtf(file: string): Btf {
  const raw = extractBtfSection(readFileSync(file));
  if (!raw) throw new Error('object has no .BTF');
  return parseBtf(raw);
}

function strip(btf: Btf, id: number) {
  let t = btf.type(id);
  while (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile') t = btf.type(t.type);
  return t;
}

/** Key and value sizes of each BTF-defined map, from `__type(key, T)` or `__uint(key_size, N)`. */
export function mapSizes(btf: Btf): Record<string, { key?: number; value?: number }> {
  const sizes = new BtfSizes(btf, 8);
  const out: Record<string, { key?: number; value?: number }> = {};
  for (const v of btf.types) {
    if (v.kind !== 'var') continue;
    const def = strip(btf, v.type);
    if (def.kind !== 'struct') continue;
    const entry: { key?: number; value?: number } = {};
    for (const m of def.members) {
      const p = btf.type(m.type);
      if (p.kind !== 'ptr') continue;
      const target = btf.type(p.type);
      if (m.name === 'key' || m.name === 'value') entry[m.name] = sizes.of(p.type);
      if ((m.name === 'key_size' || m.name === 'value_size') && target.kind === 'array')
        entry[m.name === 'key_size' ? 'key' : 'value'] = target.nelems;
    }
    if (entry.key !== undefined || entry.value !== undefined) out[v.name] = entry;
  }
  return out;
}

/** sizeof and member byte offsets of the type of global `varName` (e.g. the ffi probe's `__lbc_ffi_0`). */
export function varLayout(btf: Btf, varName: string): { size: number; offsets: Record<string, number> } {
  const v = btf.types.find((t) => t.kind === 'var' && t.name === varName);
  if (v?.kind !== 'var') throw new Error(`no variable ${varName}`);
  const sizes = new BtfSizes(btf, 8);
  const t = strip(btf, v.type);
  const offsets: Record<string, number> = {};
  if (t.kind === 'struct' || t.kind === 'union')
    for (const m of (t as BtfComposite).members) {
      const lay = memberLayout(btf, m);
      if (m.name && lay.bitfieldSize === 0) offsets[m.name] = lay.bitOffset / 8;
    }
  return { size: sizes.of(v.type), offsets };
}
