import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { isSurfhiveError } from '../../src/errors/codes.js';
import { parseBtf } from '../../src/formats/btf/parse.js';
import { readElf } from '../../src/formats/elf/elf-file.js';
import { extractBtfSectionFromFile, readElfSectionsFromFile } from '../../src/formats/elf/file-sections.js';
import { elfMachine } from '../../src/formats/elf/machine.js';
import { extractBtfSection, hasSection } from '../../src/formats/elf/section-data.js';
import { compileC, FIXTURE_C, run, tempDir } from './helpers/btf-tools.js';
import { expectKind } from './helpers/expect-kind.js';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

/** Section names as readelf lists them, index order. */
async function readelfSections(dir: string, file: string): Promise<string[]> {
  const out = (await run('readelf', ['-SW', file], dir)).stdout;
  return [...out.matchAll(/^\s*\[\s*(\d+)\]\s(\S*)/gm)].map((m) => (m[2] === 'NULL' ? '' : m[2]!));
}

t.test('reads real ELF files of every class and byte order', async (t) => {
  const { dir, cleanup } = tempDir('elfread');
  t.teardown(cleanup);
  await compileC(dir, FIXTURE_C, 'kfixture.so');
  copyFileSync(join(dir, 'kfixture.so'), join(dir, 'withbtf.so'));
  await run('pahole', ['-J', 'withbtf.so'], dir);
  const src = join(FIXTURES, 'endian.c');
  await run('clang', ['-target', 'bpfeb', '-g', '-O2', '-c', src, '-o', 'be64.o'], dir);
  await run('clang', ['-target', 'i386-linux-gnu', '-c', src, '-o', 'le32.o'], dir);
  await run('clang', ['-target', 'mips-linux-gnu', '-c', src, '-o', 'be32.o'], dir);

  const expect = {
    'withbtf.so': { name: 'x86_64', class: 64, endian: 'little' },
    'be64.o': { name: 'bpf', class: 64, endian: 'big' },
    'le32.o': { name: 'i386', class: 32, endian: 'little' },
    'be32.o': { name: 'mips', class: 32, endian: 'big' },
  } as const;
  for (const [file, want] of Object.entries(expect)) {
    const elf = readFileSync(join(dir, file));
    t.match(elfMachine(elf), want, `${file} machine`);
    // Only the names are compared: readelf prints `NULL` oddly for section 0.
    const ours = readElf(elf).sections.map((s) => s.name);
    const theirs = await readelfSections(dir, file);
    t.same(ours.slice(1), theirs.slice(1), `${file} section names agree with readelf`);
    t.ok(hasSection(elf, '.text'), `${file} has .text`);
    t.notOk(hasSection(elf, '.no_such_section'));
  }

  // The .BTF section comes out byte for byte as objcopy dumps it.
  await run('llvm-objcopy', ['--dump-section', '.BTF=dumped.btf', 'withbtf.so', 'scratch.so'], dir);
  const so = readFileSync(join(dir, 'withbtf.so'));
  t.same(extractBtfSection(so), readFileSync(join(dir, 'dumped.btf')), '.BTF bytes equal objcopy dump');
  t.equal(extractBtfSection(readFileSync(join(dir, 'kfixture.so'))), undefined, 'no .BTF before pahole -J');
  t.equal(parseBtf(extractBtfSection(readFileSync(join(dir, 'be64.o')))!).endian, 'big');

  // A zlib-compressed .BTF (SHF_COMPRESSED) is inflated.
  await run('objcopy', ['--rename-section', '.BTF=.debug_zz', 'withbtf.so', 'r1.so'], dir);
  await run('objcopy', ['--compress-debug-sections=zlib', 'r1.so', 'r2.so'], dir);
  await run('objcopy', ['--rename-section', '.debug_zz=.BTF', 'r2.so', 'zbtf.so'], dir);
  const z = readFileSync(join(dir, 'zbtf.so'));
  const zsec = readElf(z).sections.find((s) => s.name === '.BTF');
  t.ok(zsec && (zsec.flags & 0x800n) !== 0n, 'objcopy compressed the section');
  t.same(
    extractBtfSection(z),
    readFileSync(join(dir, 'dumped.btf')),
    'compressed .BTF inflates to the same bytes',
  );

  // The file-based readers see the same as the Buffer ones, without loading the file.
  for (const file of ['withbtf.so', 'zbtf.so', 'be32.o', 'kfixture.so']) {
    const path = join(dir, file);
    t.same(
      await readElfSectionsFromFile(path),
      readElf(readFileSync(path)).sections,
      `${file}: sections from disk`,
    );
    t.same(
      await extractBtfSectionFromFile(path),
      extractBtfSection(readFileSync(path)),
      `${file}: .BTF from disk`,
    );
  }
});

t.test('hostile ELF input gives BAD_ELF', async (t) => {
  const { dir, cleanup } = tempDir('elfbad');
  t.teardown(cleanup);
  await compileC(dir, FIXTURE_C, 'k.so');
  const good = readFileSync(join(dir, 'k.so'));
  const shoff = Number(good.readBigUInt64LE(40));
  const mutate = (f: (b: Buffer) => void) => {
    const c = Buffer.from(good);
    f(c);
    return c;
  };
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['not an ELF', Buffer.from('#!/bin/sh\necho hi\n')],
    ['BTF is not ELF', Buffer.from([0x9f, 0xeb, 1, 0, 24, 0, 0, 0])],
    ['bad class', mutate((b) => (b[4] = 9))],
    ['bad data encoding', mutate((b) => (b[5] = 0))],
    ['header cut short', good.subarray(0, 40)],
    ['section table cut off', good.subarray(0, shoff + 100)],
    ['section table offset past the end', mutate((b) => b.writeBigUInt64LE(1n << 40n, 40))],
    ['section header size too small', mutate((b) => b.writeUInt16LE(8, 58))],
    ['name table index out of range', mutate((b) => b.writeUInt16LE(500, 62))],
    ['section data past the end', mutate((b) => b.writeBigUInt64LE(1n << 32n, shoff + 64 * 3 + 24))],
    ['section name offset past its table', mutate((b) => b.writeUInt32LE(0x7fffffff, shoff + 64 * 3))],
    [
      'huge extended section count',
      mutate((b) => {
        b.writeUInt16LE(0, 60);
        b.writeBigUInt64LE(1n << 20n, shoff + 32);
      }),
    ],
  ];
  for (const [what, buf] of cases) expectKind(t, 'BAD_ELF', () => extractBtfSection(buf), what);
  writeFileSync(join(dir, 'cut.so'), good.subarray(0, shoff + 100));
  const cut = await readElfSectionsFromFile(join(dir, 'cut.so')).catch((e: unknown) => e);
  t.match(cut, { kind: 'BAD_ELF' }, 'truncated file on disk');

  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 2000; i++) {
    const c = Buffer.from(good);
    // Hit the header and section table where it matters.
    for (let k = 0; k < 3; k++) {
      const at = rand(2) ? rand(64) : shoff + rand(c.length - shoff);
      c[at] = rand(256);
    }
    try {
      extractBtfSection(c);
      hasSection(c, '.text');
    } catch (err) {
      if (!isSurfhiveError(err) || err.kind !== 'BAD_ELF') {
        t.fail(`mutation ${i} threw ${String(err)}`);
        return;
      }
    }
  }
  t.pass('2000 random corruptions: BAD_ELF or parsed, nothing else');
});
