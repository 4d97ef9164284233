import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { checkObject } from '../../src/corecheck/check.js';
import type { SelectedKernel } from '../../src/corecheck/select.js';
import { runToolOk } from '../../src/sandbox/exec.js';
import { RUNNER } from '../helpers/tools.js';
import { buildFixtures, FIXTURES } from './fixtures.js';

// Hostile objects: each is refused with a coded error, quickly, by the helper alone.
const fx = await buildFixtures();
t.teardown(fx.cleanup);
const kernels: SelectedKernel[] = [
  { arch: 'x86_64', release: 'old', ver: '5.4.0-old', btfPath: fx.oldKernel },
];
const base = readFileSync(fx.objects.fields!);

interface Section {
  offset: number;
  size: number;
}

/** The file range of an ELF64 little-endian section, by name. */
function section(elf: Buffer, name: string): Section {
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const strndx = elf.readUInt16LE(0x3e);
  const hdr = (i: number) => shoff + i * shentsize;
  const strOff = Number(elf.readBigUInt64LE(hdr(strndx) + 24));
  for (let i = 0; i < shnum; i++) {
    const nameOff = elf.readUInt32LE(hdr(i));
    const end = elf.indexOf(0, strOff + nameOff);
    if (elf.toString('latin1', strOff + nameOff, end) === name)
      return {
        offset: Number(elf.readBigUInt64LE(hdr(i) + 24)),
        size: Number(elf.readBigUInt64LE(hdr(i) + 32)),
      };
  }
  throw new Error(`no section ${name}`);
}

/** File offset of the first CO-RE record (insn_off, type_id, access_str_off, kind) in .BTF.ext. */
function firstCoreRecord(elf: Buffer): number {
  const ext = section(elf, '.BTF.ext');
  const hdrLen = elf.readUInt32LE(ext.offset + 4);
  const coreOff = elf.readUInt32LE(ext.offset + 24);
  // record size (4), then the first section's name and count (8)
  return ext.offset + hdrLen + coreOff + 4 + 8;
}

/** File offsets of the `type` field of the first two modifier types (ptr, typedef, const...) and their ids. */
function twoModifiers(elf: Buffer): { at: number; id: number }[] {
  const btf = section(elf, '.BTF');
  const hdrLen = elf.readUInt32LE(btf.offset + 4);
  const typeOff = elf.readUInt32LE(btf.offset + 8);
  const typeLen = elf.readUInt32LE(btf.offset + 12);
  const found: { at: number; id: number }[] = [];
  let p = btf.offset + hdrLen + typeOff;
  const end = p + typeLen;
  for (let id = 1; p < end && found.length < 2; id++) {
    const info = elf.readUInt32LE(p + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    if ([2, 8, 9, 10, 11].includes(kind)) found.push({ at: p + 8, id });
    const extra: Record<number, number> = {
      1: 4,
      3: 12,
      4: 12 * vlen,
      5: 12 * vlen,
      6: 8 * vlen,
      13: 8 * vlen,
    };
    extra[14] = 4;
    extra[15] = 12 * vlen;
    extra[17] = 4;
    extra[19] = 12 * vlen;
    p += 12 + (extra[kind] ?? 0);
  }
  return found;
}

const write = (name: string, buf: Buffer) => {
  const p = path.join(fx.dir, name);
  writeFileSync(p, buf);
  return p;
};

async function refused(t: Test, file: string, code: string, pattern: RegExp) {
  const started = performance.now();
  const err = await checkObject(file, kernels, { runner: RUNNER }).then(
    () => undefined,
    (e: unknown) => e as { code?: string; message?: string },
  );
  t.equal(err?.code, `SURFHIVE_ERR_${code}`, `${path.basename(file)}: ${code}`);
  t.match(err?.message, pattern);
  t.notMatch(err?.message ?? '', fx.dir, 'no host path in the message');
  t.ok(performance.now() - started < 10_000, 'refused in bounded time');
}

t.test('not an ELF file', (t) => refused(t, write('text.o', Buffer.from('hello')), 'NOT_BPF_OBJECT', /ELF/));

t.test('an ELF that is not BPF', (t) =>
  refused(t, write('host.o', readFileSync('/bin/true')), 'NOT_BPF_OBJECT', /BPF object/),
);

t.test('a BPF object without BTF', async (t) => {
  const out = path.join(fx.dir, 'nobtf.o');
  const src = write(
    'nobtf.bpf.c',
    Buffer.from(`#include "${FIXTURES}/core.h"\nSEC("tp/x") int p(void *c) { return 0; }\n`),
  );
  await runToolOk('clang', ['-target', 'bpf', '-O2', '-c', src, '-o', out], { timeoutMs: 60_000 });
  await refused(t, out, 'NO_CORE_BTF', /\.BTF/);
});

t.test('a truncated object', (t) =>
  refused(t, write('cut.o', base.subarray(0, base.length >> 1)), 'BAD_BPF_OBJECT', /./),
);

t.test('a CO-RE record with a type id past the table', (t) => {
  const b = Buffer.from(base);
  b.writeUInt32LE(0x7fffffff, firstCoreRecord(b) + 4);
  return refused(t, write('badtype.o', b), 'BAD_BPF_OBJECT', /type id/);
});

t.test('a CO-RE record with an unknown kind', (t) => {
  const b = Buffer.from(base);
  b.writeUInt32LE(99, firstCoreRecord(b) + 12);
  return refused(t, write('badkind.o', b), 'BAD_BPF_OBJECT', /kind/);
});

t.test('a CO-RE record whose access string is not one', (t) => {
  const b = Buffer.from(base);
  b.writeUInt32LE(0x7ffffff0, firstCoreRecord(b) + 8);
  return refused(t, write('badaccess.o', b), 'BAD_BPF_OBJECT', /access string/);
});

t.test('a CO-RE record pointing past its section', (t) => {
  const b = Buffer.from(base);
  b.writeUInt32LE(0x100000, firstCoreRecord(b));
  return refused(t, write('badinsn.o', b), 'BAD_BPF_OBJECT', /outside/);
});

t.test('a huge access string', async (t) => {
  const access = Array.from({ length: 5000 }, () => '0').join(':');
  const src = `#include "${FIXTURES}/core.h"
struct s { int a; } __attribute__((preserve_access_index));
SEC("tp/x") int p(void *c) { struct s *v = c; return bpf_core_field_exists(v->a); }`;
  const c = write('long.bpf.c', Buffer.from(src));
  const o = path.join(fx.dir, 'long.o');
  await runToolOk('clang', ['-target', 'bpf', '-g', '-O2', '-c', c, '-o', o], { timeoutMs: 60_000 });
  // the string table is at the end of .BTF: append the long access string in place of a short one
  const b = readFileSync(o);
  const btf = section(b, '.BTF');
  const strOff = b.readUInt32LE(btf.offset + 16);
  const hdrLen = b.readUInt32LE(btf.offset + 4);
  const accessAt = b.indexOf(Buffer.from('0:0\0'), btf.offset + hdrLen + strOff);
  t.ok(accessAt > 0, 'found the access string');
  const long = Buffer.from(`${access}\0`);
  const grown = Buffer.concat([b.subarray(0, accessAt), long, b.subarray(accessAt + 4)]);
  // not a valid ELF any more unless sizes are fixed; either refusal is a coded one
  const err = await checkObject(write('long-access.o', grown), kernels, { runner: RUNNER }).catch(
    (e: { code: string }) => e,
  );
  t.match((err as { code: string }).code, /^SURFHIVE_ERR_(BAD_BPF_OBJECT|NOT_BPF_OBJECT)$/);
});

t.test('a reference loop between two types', (t) => {
  const b = Buffer.from(base);
  const [x, y] = twoModifiers(b);
  b.writeUInt32LE(y!.id, x!.at);
  b.writeUInt32LE(x!.id, y!.at);
  return refused(t, write('loop.o', b), 'BAD_BPF_OBJECT', /loop/);
});

t.test('an object over the size cap', (t) => {
  const big = Buffer.alloc(65 * 1024 * 1024);
  base.copy(big);
  return refused(t, write('big.o', big), 'BODY_TOO_LARGE', /64 MiB/);
});

t.test('the untouched object still checks', async (t) => {
  const m = await checkObject(fx.objects.fields!, kernels, { runner: RUNNER });
  t.equal(m.kernels[0]?.loads, true);
  t.equal(os.tmpdir().length > 0, true);
});
