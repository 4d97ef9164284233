import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseBtf } from '../../src/formats/btf/parse.js';
import { readElf } from '../../src/formats/elf/elf-file.js';
import { elfMachine } from '../../src/formats/elf/machine.js';
import { extractBtfSection } from '../../src/formats/elf/section-data.js';
import { wrapBtfInElf } from '../../src/formats/elf/wrap-btf.js';
import { compileC, FIXTURE_C, paholeBtf, run, tempDir } from './helpers/btf-tools.js';
import { expectKind } from './helpers/expect-kind.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';

t.test('wrapBtfInElf output is read by bpftool and by us', async (t) => {
  const { dir, cleanup } = tempDir('wrap');
  t.teardown(cleanup);
  await compileC(dir, FIXTURE_C, 'kfixture.so');
  const raw = await paholeBtf(dir, 'kfixture.so', 'k.btf');
  const rawC = (await run('bpftool', ['btf', 'dump', 'file', 'k.btf', 'format', 'c'], dir)).stdout;
  t.match(rawC, /struct task_struct \{/);

  for (const arch of ['x86_64', 'aarch64'] as const) {
    const elf = wrapBtfInElf(raw, arch);
    writeFileSync(join(dir, `${arch}.elf`), elf);
    const c = (await run('bpftool', ['btf', 'dump', 'file', `${arch}.elf`, 'format', 'c'], dir)).stdout;
    t.equal(c, rawC, `${arch}: bpftool prints the same C from the ELF as from the raw blob`);
    const header = (await run('readelf', ['-hSW', `${arch}.elf`], dir)).stdout;
    t.match(
      header,
      arch === 'x86_64' ? /Advanced Micro Devices X86-64/ : /AArch64/,
      `${arch}: readelf machine`,
    );
    t.match(header, /\.BTF\s+PROGBITS/, `${arch}: readelf sees .BTF`);
    t.equal(elfMachine(elf).name, arch);
    t.same(
      readElf(elf).sections.map((s) => s.name),
      ['', '.BTF', '.shstrtab'],
    );
    t.same(extractBtfSection(elf), raw, `${arch}: .BTF round-trips`);
  }

  expectKind(t, 'BAD_BTF', () => wrapBtfInElf(Buffer.from('not btf at all, really'), 'x86_64'), 'garbage');
  const be = Buffer.from(raw);
  be.writeUInt16BE(0xeb9f, 0);
  expectKind(t, 'BAD_BTF', () => wrapBtfInElf(be, 'aarch64'), 'big-endian BTF');
});

t.test('wrapping vmlinux BTF', { skip: existsSync(VMLINUX) ? false : `${VMLINUX} is absent` }, async (t) => {
  const { dir, cleanup } = tempDir('wrapvm');
  t.teardown(cleanup);
  const raw = readFileSync(VMLINUX);
  writeFileSync(join(dir, 'vmlinux.elf'), wrapBtfInElf(raw, 'x86_64'));
  const fromElf = (await run('bpftool', ['btf', 'dump', 'file', 'vmlinux.elf', 'format', 'c'], dir)).stdout;
  const fromRaw = (await run('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c'], dir)).stdout;
  t.ok(fromRaw.length > 1_000_000, 'a real vmlinux.h');
  t.ok(fromElf === fromRaw, 'bpftool prints the same vmlinux.h from the wrapped ELF');
  t.equal(parseBtf(extractBtfSection(readFileSync(join(dir, 'vmlinux.elf')))!).types.length > 10_000, true);
});
