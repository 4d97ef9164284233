import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { elfSoCommand } from '../../src/api/lbc/compile-commands.js';
import { symbolHelperLibrary } from '../../src/compile/symbol-helper.js';
import { runTool, runToolOk } from '../../src/sandbox/exec.js';
import { packageRoot } from '../../src/util/package-root.js';
import { goldenApp, lbcOne } from '../helpers/app.js';
import { GOLDEN_VER } from '../helpers/golden-hive.js';
import {
  atOrBelow,
  drive,
  type ElfSym,
  hex,
  nmText,
  readelfCodeOffset,
  readelfSymbols,
  sections64,
} from './symhelper-env.js';

const ABI = [
  'de_mana',
  'elf_code_offset',
  'ksym_addr',
  'ksym_deinit',
  'ksym_load',
  'ksym_search',
  'sym_addr',
  'sym_load',
  'sym_search',
];

// Built from the current sources into a scratch OUT, exactly as scripts/build-native.sh does.
const work = mkdtempSync(path.join(os.tmpdir(), 'symhelper-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));
const out = path.join(work, 'native');
await runToolOk('make', ['-s', '-C', path.join(packageRoot(), 'native', 'symhelper'), `OUT=${out}`], {
  timeoutMs: 180_000,
});
const libX86 = path.join(out, 'x86_64', 'libsymhelper.so');
const libArm = path.join(out, 'aarch64', 'libsymhelper.so');
const onX86 = process.arch === 'x64';

/** Compiles C source into work/name with gcc and the given flags; undefined when gcc cannot. */
async function compile(name: string, source: string, flags: string[]): Promise<string | undefined> {
  const src = path.join(work, `${name}.c`);
  const bin = path.join(work, name);
  writeFileSync(src, source);
  const r = await runTool('gcc', [...flags, '-o', bin, src], { timeoutMs: 60_000 });
  return r.code === 0 ? bin : undefined;
}

const PROGRAM = `
int counter = 3;
static int table[4] = {1, 2, 3, 4};
static __attribute__((noinline)) int helper(int x) { return x * table[x & 3] + counter; }
__attribute__((noinline)) int visible_fn(int x) { return helper(x) + 1; }
__attribute__((weak, noinline)) int weak_fn(int x) { return x - counter; }
int alias_fn(int x) __attribute__((alias("visible_fn")));
int main(int argc, char **argv) { (void)argv; return visible_fn(argc) + weak_fn(argc) + alias_fn(argc); }
`;

/** Freestanding, so that -m32 needs no 32-bit libc. */
const PROGRAM32 = `
int counter = 3;
static __attribute__((noinline)) int helper(int x) { return x * 3 + counter; }
__attribute__((noinline)) int visible_fn(int x) { return helper(x) + 1; }
void _start(void) { counter = visible_fn(2); for (;;) ; }
`;

/** What the library must answer for a file, derived from readelf (and nm). */
function expectations(syms: ElfSym[]) {
  const byName = new Map<string, ElfSym[]>();
  const namesAt = new Map<bigint, Set<string>>();
  for (const s of syms) {
    byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    namesAt.set(s.addr, (namesAt.get(s.addr) ?? new Set()).add(s.name));
  }
  const addrs = [...namesAt.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // each address, one past it, and the middle of each gap; below the first; far past the last
  const probes = new Set<bigint>();
  addrs.forEach((a, i) => {
    probes.add(a);
    probes.add(a + 1n);
    const next = addrs[i + 1];
    if (next !== undefined) probes.add(a + (next - a) / 2n);
  });
  if (addrs.length > 0) {
    if (addrs[0]! > 0n) probes.add(addrs[0]! - 1n);
    probes.add(addrs.at(-1)! + 0x100000n);
  }
  return { byName, namesAt, addrs, probes: [...probes].slice(0, 20_000) };
}

/**
 * The client probes `file:(sym_addr - elf_code_offset)`: the file's bytes at that
 * offset must be the instructions objdump disassembles at the symbol's address.
 */
async function checkUprobeOffset(t: Test, file: string, addr: bigint, codeOffset: bigint) {
  const d = await runToolOk(
    'objdump',
    ['-d', `--start-address=${hex(addr)}`, `--stop-address=${hex(addr + 8n)}`, file],
    { timeoutMs: 30_000 },
  );
  const bytes = d.stdout
    .split('\n')
    .map((l) => /^\s*[0-9a-f]+:\t((?:[0-9a-f]{2} )+)/.exec(l)?.[1] ?? '')
    .join('')
    .replaceAll(' ', '');
  const offset = Number(addr - codeOffset);
  const inFile = readFileSync(file)
    .subarray(offset, offset + bytes.length / 2)
    .toString('hex');
  t.ok(bytes.length >= 2, 'objdump shows the function');
  t.equal(inFile, bytes, 'sym_addr - elf_code_offset is the file offset of the code (uprobe offset)');
}

async function checkElf(t: Test, lib: string, file: string, extraNames: string[] = []) {
  const syms = await readelfSymbols(file);
  const want = expectations(syms);
  const names = [...want.byName.keys(), ...extraNames, 'no_such_symbol_here'];
  const ans = await drive(lib, { elf: [{ path: file, names, addrs: want.probes.map(hex) }] });
  const r = ans.elf[0]!;
  t.ok(r.loaded, `${path.basename(file)} loads`);
  t.equal(
    r.code_offset,
    hex(await readelfCodeOffset(file)),
    'elf_code_offset is p_vaddr - p_offset of the R E segment',
  );

  let bad = 0;
  for (const [name, entries] of want.byName) {
    const got = BigInt(r.addr![name]!);
    const defaults = entries.filter((e) => e.defaultVersion);
    const allowed = defaults.length === 1 ? [defaults[0]!.addr] : entries.map((e) => e.addr);
    if (!allowed.includes(got)) {
      bad++;
      if (bad < 5) t.fail(`sym_addr(${name}) = ${hex(got)}, readelf says ${allowed.map(hex).join(' or ')}`);
    }
  }
  t.equal(bad, 0, `sym_addr agrees with readelf -s for ${want.byName.size} names (default versions win)`);
  t.equal(r.addr!.no_such_symbol_here, '0x0', 'an absent name is 0');

  bad = 0;
  want.probes.forEach((probe, i) => {
    const got = r.search![i] ?? null;
    const at = atOrBelow(want.addrs, probe);
    const ok =
      at < 0
        ? got === null
        : got !== null && BigInt(got[0]) === want.addrs[at] && want.namesAt.get(want.addrs[at]!)!.has(got[1]);
    if (!ok) {
      bad++;
      if (bad < 5)
        t.fail(
          `sym_search(${hex(probe)}) = ${JSON.stringify(got)}, want ${at < 0 ? 'NULL' : hex(want.addrs[at]!)}`,
        );
    }
  });
  t.equal(bad, 0, `sym_search returns the symbol at or below each of ${want.probes.length} addresses`);
  return r;
}

t.test(
  'x86_64 library: ELF symbols as readelf and nm see them',
  { skip: !onX86 && 'not an x86_64 host' },
  async (t) => {
    const pie = await compile('prog', PROGRAM, ['-O1', '-g0']);
    t.ok(pie, 'gcc builds the test program');
    if (!pie) return;
    const r = await checkElf(t, libX86, pie);
    const nm = await nmText(pie);
    for (const fn of ['helper', 'visible_fn', 'weak_fn', 'main']) {
      t.ok(nm.get(fn)?.has(BigInt(r.addr![fn]!)), `${fn} at nm's address`);
    }
    t.equal(r.addr!.alias_fn, r.addr!.visible_fn, 'an alias has its target address');
    await checkUprobeOffset(t, pie, BigInt(r.addr!.visible_fn!), BigInt(r.code_offset));

    // the same file byte-swapped: readelf must see the same symbols, and so must the library
    const big = path.join(work, 'prog-be');
    await drive(libX86, { big_endian: { src: pie, dst: big } });
    t.same(
      (await readelfSymbols(big)).map((s) => [s.name, s.addr]),
      (await readelfSymbols(pie)).map((s) => [s.name, s.addr]),
      'the big-endian copy holds the same symbols',
    );
    const be = await checkElf(t, libX86, big);
    t.same(be.addr, r.addr, 'big-endian: the same addresses');

    const noPie = await compile('prog-nopie', PROGRAM, ['-O1', '-g0', '-no-pie']);
    if (noPie) {
      const np = await checkElf(t, libX86, noPie);
      t.not(np.code_offset, '0x0', 'a non-PIE executable has its link base as code offset');
    }
    const lib = await compile('libdemo.so', PROGRAM.replace('int main', 'int entry'), [
      '-O1',
      '-g0',
      '-shared',
      '-fPIC',
    ]);
    if (lib) await checkElf(t, libX86, lib);
    const i386 = await compile('prog32', PROGRAM32, ['-m32', '-O1', '-g0', '-nostdlib', '-static']);
    if (i386) await checkElf(t, libX86, i386);
    else t.comment('no 32-bit gcc support: ELF32 not checked');

    await checkElf(t, libX86, '/bin/true');
    const libc = ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib64/libc.so.6'].find(existsSync);
    if (libc) await checkElf(t, libX86, libc);
  },
);

t.test(
  'x86_64 library: kernel symbols from /proc/kallsyms',
  { skip: !onX86 && 'not an x86_64 host' },
  async (t) => {
    const lines = readFileSync('/proc/kallsyms', 'utf8').split('\n');
    const syms: { addr: bigint; name: string }[] = [];
    for (const line of lines) {
      const m = /^([0-9a-f]+) \S (\S+)(?:\s+(\[\S+\]))?/.exec(line);
      if (!m) continue;
      const addr = BigInt(`0x${m[1]}`);
      if (addr !== 0n) syms.push({ addr, name: m[3] ? `${m[2]} ${m[3]}` : m[2]! });
    }
    if (syms.length === 0) {
      const ans = await drive(libX86, { kernel: { names: ['_stext'], addrs: ['0x1000'] } });
      t.equal(ans.kernel!.load, -1, 'ksym_load is -EPERM when kallsyms hides every address');
      return t.comment(
        'kallsyms shows only zero addresses here (not root / kptr_restrict): lookups not checked',
      );
    }
    const countName = new Map<string, number>();
    const countAddr = new Map<bigint, number>();
    for (const s of syms) {
      countName.set(s.name, (countName.get(s.name) ?? 0) + 1);
      countAddr.set(s.addr, (countAddr.get(s.addr) ?? 0) + 1);
    }
    const sorted = [...countAddr.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const unique = syms.filter((s) => countName.get(s.name) === 1 && countAddr.get(s.addr) === 1);
    const step = Math.max(1, Math.floor(unique.length / 400));
    const sample = unique.filter((_, i) => i % step === 0);
    const module = unique.find(
      (s) => s.name.includes(' [') && countName.get(s.name.split(' ')[0]!) === undefined,
    );
    const probes = sample.flatMap((s) => [s.addr, s.addr + 1n]);
    const names = sample.map((s) => s.name);
    if (module) names.push(module.name.split(' ')[0]!);
    const ans = await drive(libX86, {
      kernel: { names: [...names, 'no_such_kernel_symbol'], addrs: [...probes, 1n].map(hex) },
    });
    const k = ans.kernel!;
    t.equal(k.load, 0, 'ksym_load');
    t.equal(k.again, 0, 'a second ksym_load is a no-op');
    let bad = 0;
    sample.forEach((s, i) => {
      const exact = k.search[2 * i];
      const plusOne = k.search[2 * i + 1];
      const next = sorted[atOrBelow(sorted, s.addr) + 1];
      const wantPlusOne = next === s.addr + 1n ? next : s.addr;
      if (k.addr[s.name] !== hex(s.addr) || exact?.[0] !== hex(s.addr) || exact?.[1] !== s.name) bad++;
      else if (plusOne?.[0] !== hex(wantPlusOne)) bad++;
    });
    t.equal(bad, 0, `ksym_addr and ksym_search agree with kallsyms for ${sample.length} symbols`);
    if (module) {
      t.equal(
        k.addr[module.name.split(' ')[0]!],
        hex(module.addr),
        `a module symbol by its bare name (${module.name})`,
      );
    }
    t.equal(k.addr.no_such_kernel_symbol, '0x0');
    t.equal(k.search.at(-1)?.[0], hex(sorted[0]!), 'below the first symbol: the first one');
    t.equal(k.after_deinit, null, 'nothing after ksym_deinit');
  },
);

t.test(
  'x86_64 library: hostile files are refused without a crash',
  { skip: !onX86 && 'not an x86_64 host' },
  async (t) => {
    const good = await compile('victim', PROGRAM, ['-O1', '-g0']);
    if (!good) return t.fail('gcc cannot build the test program');
    const data = readFileSync(good);
    const secs = sections64(data);
    const symtab = secs.find((s) => s.type === 2)!;
    const dir = path.join(work, 'hostile');
    mkdirSync(dir);
    const files: Record<string, Buffer> = {};
    const edit = (name: string, f: (b: Buffer) => void) => {
      const b = Buffer.from(data);
      f(b);
      files[name] = b;
    };
    let seed = 12345;
    const random = (n: number) =>
      Buffer.from(
        Array.from({ length: n }, () => {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          return seed >> 16;
        }),
      );
    files.empty = Buffer.alloc(0);
    files.one_byte = Buffer.from([0x7f]);
    files.garbage = Buffer.concat([Buffer.from('not an ELF file\n'), random(4096)]);
    files.magic_then_garbage = Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01', 'latin1'), random(8192)]);
    for (const n of [16, 52, 63, 64, 200, data.length >> 1, data.length - 1])
      files[`truncated_${n}`] = data.subarray(0, n);
    edit('shnum_ffff', (b) => b.writeUInt16LE(0xffff, 0x3c));
    edit('shnum_0_huge_sh0_size', (b) => {
      b.writeUInt16LE(0, 0x3c);
      b.writeBigUInt64LE(0xffffffffn, secs[0]!.at + 0x20);
    });
    edit('shoff_max', (b) => b.writeBigUInt64LE(0xffffffffffffffffn, 0x28));
    edit('shentsize_8', (b) => b.writeUInt16LE(8, 0x3a));
    edit('phoff_max', (b) => b.writeBigUInt64LE(0xfffffffffffffff0n, 0x20));
    edit('phnum_0', (b) => b.writeUInt16LE(0, 0x38));
    edit('symtab_size_huge', (b) => b.writeBigUInt64LE(1n << 62n, symtab.at + 0x20));
    edit('symtab_link_out', (b) => b.writeUInt32LE(9999, symtab.at + 0x28));
    edit('symtab_entsize_7', (b) => b.writeBigUInt64LE(7n, symtab.at + 0x38));
    edit('strtab_offset_out', (b) => b.writeBigUInt64LE(1n << 40n, secs[symtab.link]!.at + 0x18));
    for (const [name, b] of Object.entries(files)) writeFileSync(path.join(dir, name), b);
    // names pointing past the string table: the file loads, those symbols are skipped
    const badNames = Buffer.from(data);
    for (let at = symtab.offset + 24; at < symtab.offset + symtab.size; at += 24)
      badNames.writeUInt32LE(0xfffffff0, at);
    writeFileSync(path.join(dir, 'symtab_names_out'), badNames);
    await runToolOk('mkfifo', [path.join(dir, 'fifo')], { timeoutMs: 10_000 });

    const refused = [
      ...Object.keys(files).map((n) => path.join(dir, n)),
      path.join(dir, 'fifo'),
      dir,
      '/dev/zero',
      path.join(dir, 'absent'),
    ];
    const ans = await drive(libX86, {
      elf: [
        ...refused.map((p) => ({ path: p, names: ['main'], addrs: [] })),
        { path: path.join(dir, 'symtab_names_out'), names: ['main', 'helper'], addrs: [] },
      ],
      fuzz: {
        path: good,
        rounds: 400,
        seed: 7,
        dir,
        regions: [[symtab.offset, symtab.offset + symtab.size]],
      },
    });
    refused.forEach((p, i) => {
      t.equal(ans.elf[i]!.loaded, false, `${path.basename(p)}: NULL`);
    });
    const skipped = ans.elf.at(-1)!;
    t.ok(skipped.loaded, 'bad names in .symtab: still loads (.dynsym is fine)');
    t.equal(skipped.addr?.helper, '0x0', 'a symbol whose name is out of bounds is not found');
    t.same(
      ans.null_handle,
      {
        code_offset: 0,
        search: null,
        addr: 0,
        addr_null_name: 0,
        ksym_addr_null: 0,
        de_mana_null: null,
      },
      'a NULL handle (the client calls elf_code_offset before checking) is harmless',
    );
    t.equal(ans.fuzz?.rounds, 400, `400 mutated files, no crash (${ans.fuzz?.loaded} still loaded)`);
  },
);

async function checkBinary(t: Test, lib: string, machine: string) {
  const h = await runToolOk('readelf', ['-hW', lib], { timeoutMs: 10_000 });
  t.match(h.stdout, /Class:\s+ELF64/);
  t.match(h.stdout, /Type:\s+DYN/);
  t.match(h.stdout, new RegExp(`Machine:\\s+${machine}`));
  const d = await runToolOk('readelf', ['-dW', lib], { timeoutMs: 10_000 });
  const needed = [...d.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  t.same(needed, ['libc.so.6'], 'needs only libc');
  const s = await runToolOk('readelf', ['--dyn-syms', '-W', lib], { timeoutMs: 10_000 });
  const exported: string[] = [];
  const versions: string[] = [];
  for (const line of s.stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !/^\d+:$/.test(f[0]!)) continue;
    if (f[6] === 'UND') {
      const v = /@GLIBC_([0-9.]+)/.exec(f[7]!);
      if (v) versions.push(v[1]!);
    } else if (f[4] !== 'LOCAL') exported.push(f[7]!);
  }
  t.same(exported.sort(), ABI, 'exports exactly the ABI');
  const newer = versions.filter((v) => {
    const [maj, min] = v.split('.').map(Number);
    return maj! > 2 || (maj === 2 && min! > 17);
  });
  t.same(newer, [], 'no glibc symbol version newer than 2.17');
}

t.test('both libraries: ELF64 of their arch, the ABI exported, only libc needed', async (t) => {
  t.ok(existsSync(libX86), 'x86_64 library built');
  await checkBinary(t, libX86, 'Advanced Micro Devices X86-64');
  if (!existsSync(libArm)) return t.comment('aarch64-linux-gnu-gcc missing: no aarch64 library to check');
  await checkBinary(t, libArm, 'AArch64');
});

const failureKind = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e as { kind?: string }).kind,
  );

t.test('elf_so command answers the library of the requested arch', async (t) => {
  const h = await goldenApp({ lbcCommands: { elf_so: elfSoCommand(out) } });
  t.teardown(h.close);
  for (const arch of ['x86_64', 'aarch64'] as const) {
    const file = path.join(out, arch, 'libsymhelper.so');
    if (!existsSync(file)) continue;
    const r = (await lbcOne(h.app, { cmd: 'elf_so', ver: GOLDEN_VER, arch }))!;
    t.equal(r.log, 'ok.', arch);
    const so = Buffer.from(r.so as string, 'base64');
    t.ok(so.equals(readFileSync(file)), `${arch}: the built library, byte for byte`);
    t.equal(so.readUInt16LE(18), arch === 'x86_64' ? 62 : 183, `${arch}: e_machine`);
  }
  t.same(await lbcOne(h.app, { cmd: 'elf_so', ver: GOLDEN_VER, arch: 'sparc' }), { log: 'bad arch key.' });
  const noArch = (await lbcOne(h.app, { cmd: 'elf_so', ver: GOLDEN_VER }))!;
  t.equal(Buffer.from(noArch.so as string, 'base64').readUInt16LE(18), 62, 'no arch: x86_64');

  const empty = path.join(work, 'empty-native');
  mkdirSync(empty);
  h.app.surfhive.lbcCommands.elf_so = elfSoCommand(empty);
  t.same(await lbcOne(h.app, { cmd: 'elf_so', ver: GOLDEN_VER, arch: 'aarch64' }), {
    log: 'symbol helper for aarch64 is not available on this server.',
  });
  t.equal(await failureKind(symbolHelperLibrary('x86_64', empty)), 'UNAVAILABLE', 'no library: UNAVAILABLE');
  mkdirSync(path.join(empty, 'aarch64'));
  writeFileSync(path.join(empty, 'aarch64', 'libsymhelper.so'), readFileSync(libX86));
  t.equal(
    await failureKind(symbolHelperLibrary('aarch64', empty)),
    'UNAVAILABLE',
    'a library of another arch is refused',
  );
});
