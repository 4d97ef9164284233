import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parseBtf } from '../../src/formats/btf/parse.js';
import type { BtfType } from '../../src/formats/btf/types.js';
import { extractBtfSection } from '../../src/formats/elf/section-data.js';
import { compileC, FIXTURE_C, paholeBtf, run, tempDir } from './helpers/btf-tools.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const anon = (s: string) => s || '(anon)';

/**
 * Enumerator values compared as raw bits: bpftool 7.1 prints a 32-bit value
 * sign-extended to 64 bits even for unsigned enums (0xefffffff shows as
 * 18446744073441116159), and JSON numbers lose precision past 2^53.
 */
const enumBits = (kind: string, v: bigint) =>
  String(kind.toLowerCase() === 'enum' ? BigInt.asUintN(32, v) : BigInt.asUintN(64, v));

/** Our model in the shape of `bpftool -j btf dump`, field by field. */
function asBpftool(x: BtfType): Record<string, unknown> {
  const head = { id: x.id, kind: x.kind.toUpperCase(), name: anon(x.name) };
  switch (x.kind) {
    case 'int': {
      const enc = x.signed ? 'SIGNED' : x.char ? 'CHAR' : x.bool ? 'BOOL' : '(none)';
      return { ...head, size: x.size, bits_offset: x.bitOffset, nr_bits: x.bits, encoding: enc };
    }
    case 'ptr':
    case 'typedef':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'type_tag':
      return { ...head, type_id: x.type };
    case 'array':
      return { ...head, type_id: x.type, index_type_id: x.indexType, nr_elems: x.nelems };
    case 'struct':
    case 'union':
      return {
        ...head,
        size: x.size,
        vlen: x.members.length,
        members: x.members.map((m) => ({
          name: anon(m.name),
          type_id: m.type,
          bits_offset: m.bitOffset,
          ...(m.bitfieldSize ? { bitfield_size: m.bitfieldSize } : {}),
        })),
      };
    case 'enum':
    case 'enum64':
      return {
        ...head,
        encoding: x.signed ? 'SIGNED' : 'UNSIGNED',
        size: x.size,
        vlen: x.values.length,
        values: x.values.map((v) => ({ name: v.name, val: enumBits(x.kind, BigInt(v.value)) })),
      };
    case 'fwd':
      return { ...head, fwd_kind: x.union ? 'union' : 'struct' };
    case 'func':
      return { ...head, type_id: x.type, linkage: x.linkage };
    case 'func_proto': {
      const params = x.params.map((p) => ({ name: anon(p.name), type_id: p.type }));
      if (x.variadic) params.push({ name: '(anon)', type_id: 0 });
      return { ...head, ret_type_id: x.ret, vlen: params.length, params };
    }
    case 'var':
      return { ...head, type_id: x.type, linkage: x.linkage === 'global' ? 'global' : x.linkage };
    case 'datasec':
      return {
        ...head,
        size: x.size,
        vlen: x.vars.length,
        vars: x.vars.map((v) => ({ type_id: v.type, offset: v.offset, size: v.size })),
      };
    case 'float':
      return { ...head, size: x.size };
    case 'decl_tag':
      return { ...head, type_id: x.type, component_idx: x.componentIdx };
    default:
      return head;
  }
}

async function compareWithBpftool(t: Test, raw: Buffer, file: string, cwd: string) {
  const btf = parseBtf(raw);
  const text = (await run('bpftool', ['-j', 'btf', 'dump', 'file', file], cwd)).stdout;
  // Keep enumerator values exact: quote them before JSON.parse.
  const dump = JSON.parse(text.replace(/"val":\s*(-?\d+)/g, '"val":"$1"'));
  const theirs: Record<string, unknown>[] = dump.types;
  for (const x of theirs) {
    const values = x.values as { val: string }[] | undefined;
    for (const v of values ?? []) v.val = enumBits(String(x.kind), BigInt(v.val));
  }
  t.equal(btf.types.length, theirs.length, `${file}: type count`);
  let mismatches = 0;
  btf.types.forEach((x, i) => {
    const ours = asBpftool(x);
    if (JSON.stringify(ours) !== JSON.stringify(theirs[i]) && mismatches++ < 5)
      t.same(ours, theirs[i], `${file}: type ${x.id}`);
  });
  t.equal(mismatches, 0, `${file}: every type agrees with bpftool`);
  const kinds = new Set(btf.types.map((x) => x.kind));
  t.comment(`${file}: ${btf.types.length} types, kinds ${[...kinds].sort().join(' ')}`);
}

t.test('every parsed type agrees with bpftool -j', async (t) => {
  const { dir, cleanup } = tempDir('bpftool');
  t.teardown(cleanup);
  await compileC(dir, FIXTURE_C, 'kfixture.so');
  await paholeBtf(dir, 'kfixture.so', 'k.btf', ['--btf_gen_floats']);
  await compareWithBpftool(t, readFileSync(join(dir, 'k.btf')), 'k.btf', dir);

  await run('clang', ['-target', 'bpfeb', '-g', '-O2', '-c', join(FIXTURES, 'endian.c'), '-o', 'be.o'], dir);
  await compareWithBpftool(t, extractBtfSection(readFileSync(join(dir, 'be.o')))!, 'be.o', dir);

  if (existsSync(VMLINUX)) await compareWithBpftool(t, readFileSync(VMLINUX), VMLINUX, dir);
  else t.comment(`${VMLINUX} is absent: kernel-sized comparison skipped`);
});
