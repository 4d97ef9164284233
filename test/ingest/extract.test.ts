import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import t, { type Test } from 'tap';
import { SurfhiveError } from '../../src/errors/codes.js';
import { type ExtractTarget, extractKernel } from '../../src/ingest/extract.js';
import { runToolOk } from '../../src/sandbox/exec.js';
import { RUNNER } from '../helpers/tools.js';
import { buildDeb, buildElf, buildRpm, craftDeb, craftRpm, makeCpio } from './helpers/fixtures.js';

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'surfhive-extract-'));
t.teardown(() => fs.rm(work, { recursive: true, force: true }));
const elf = await buildElf(work);
const elfBytes = await fs.readFile(elf);
const tmp = path.join(work, 'tmp');

const KVER = '4.19.91-24.8.an8.x86_64';
const rpmTarget: ExtractTarget = {
  format: 'rpm',
  ver: KVER,
  layout: {
    vmlinux: `usr/lib/debug/lib/modules/${KVER}/vmlinux`,
    modules: `usr/lib/debug/lib/modules/${KVER}`,
  },
  pkg: { name: 'kernel-debuginfo', version: '4.19.91', release: '24.8.an8', arch: 'x86_64' },
};
const DKVER = '6.1.0-56-amd64';
const debTarget: ExtractTarget = {
  format: 'deb',
  ver: DKVER,
  layout: { vmlinux: `usr/lib/debug/boot/vmlinux-${DKVER}`, modules: `usr/lib/debug/lib/modules/${DKVER}` },
  pkg: { name: `linux-image-${DKVER}-dbg`, version: '6.1.158-1', arch: 'amd64' },
};

const tmpIsEmpty = async () => (await fs.readdir(tmp).catch(() => [])).length === 0;

for (const compressor of ['gzip', 'xz', 'zstd'] as const) {
  t.test(`rpmbuild RPM with a ${compressor} payload`, async (t) => {
    const rpm = await buildRpm(work, { version: '4.19.91', release: '24.8.an8', compressor, elf });
    const got = await extractKernel(rpm, rpmTarget, tmp, {}, { runner: RUNNER });
    t.same(await fs.readFile(got.vmlinuxPath), elfBytes, 'vmlinux is byte-identical');
    t.ok(got.moduleDir);
    t.same(await fs.readFile(path.join(got.moduleDir!, 'kernel/fs/foo/foo.ko.debug')), elfBytes);
    const names = await fs.readdir(got.dir, { recursive: true });
    t.notOk(
      names.some((n) => String(n).includes('README') || String(n).includes('build-id')),
      'nothing but vmlinux and modules',
    );
    const noMods = await extractKernel(rpm, rpmTarget, tmp, { includeModules: false }, { runner: RUNNER });
    t.equal(noMods.moduleDir, undefined);
    await fs.rm(got.dir, { recursive: true });
    await fs.rm(noMods.dir, { recursive: true });
    await fs.rm(rpm);
  });
}

for (const compression of ['xz', 'zstd', 'gzip'] as const) {
  t.test(`dpkg-deb package with data.tar.${compression}`, async (t) => {
    const deb = await buildDeb(work, { kver: DKVER, version: '6.1.158-1', compression, elf });
    const got = await extractKernel(deb, debTarget, tmp, {}, { runner: RUNNER });
    t.same(await fs.readFile(got.vmlinuxPath), elfBytes);
    t.same(await fs.readFile(path.join(got.moduleDir!, 'kernel/fs/foo.ko')), elfBytes);
    await fs.rm(got.dir, { recursive: true });
    await fs.rm(deb);
  });
}

const rejects = async (t: Test, file: string, target: ExtractTarget, pattern: RegExp, caps = {}) => {
  const err = await extractKernel(file, target, tmp, caps, { runner: RUNNER }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof SurfhiveError, 'a SurfhiveError');
  t.equal((err as SurfhiveError).kind, 'BAD_ARCHIVE');
  t.match((err as SurfhiveError).message, pattern);
  t.notMatch((err as SurfhiveError).message, work, 'no host path in the message');
  t.ok(await tmpIsEmpty(), 'nothing left in the temp directory');
};

const vmlinuxName = `./usr/lib/debug/lib/modules/${KVER}/vmlinux`;
const hostileRpm = async (name: string, entries: Parameters<typeof makeCpio>[0], compressor = 'gzip') => {
  const cpio = makeCpio(entries);
  const payload = compressor === 'gzip' ? zlib.gzipSync(cpio) : cpio;
  const file = path.join(work, name);
  await fs.writeFile(
    file,
    craftRpm({
      name: 'kernel-debuginfo',
      version: '4.19.91',
      release: '24.8.an8',
      arch: 'x86_64',
      compressor,
      payload,
    }),
  );
  return file;
};

t.test('hand-made RPM that is well formed extracts', async (t) => {
  const file = await hostileRpm('ok.rpm', [
    { name: './usr', mode: 0o40755 },
    { name: vmlinuxName, mode: 0o100644, data: elfBytes },
  ]);
  const got = await extractKernel(file, rpmTarget, tmp, {}, { runner: RUNNER });
  t.same(await fs.readFile(got.vmlinuxPath), elfBytes);
  await fs.rm(got.dir, { recursive: true });
});

t.test('RPM members ../x and /etc/x are refused', async (t) => {
  const up = await hostileRpm('up.rpm', [
    { name: '../x', mode: 0o100644, data: Buffer.from('x') },
    { name: vmlinuxName, mode: 0o100644, data: elfBytes },
  ]);
  await rejects(t, up, rpmTarget, /climbs out/);
  const abs = await hostileRpm('abs.rpm', [{ name: '/etc/x', mode: 0o100644, data: Buffer.from('x') }]);
  await rejects(t, abs, rpmTarget, /absolute path/);
  await t.rejects(fs.stat(path.join(work, 'x')), 'nothing written outside');
});

t.test('RPM with a symlink or hard link or device as vmlinux is refused', async (t) => {
  const sym = await hostileRpm('sym.rpm', [
    { name: vmlinuxName, mode: 0o120777, data: Buffer.from('/etc/passwd') },
  ]);
  await rejects(t, sym, rpmTarget, /symlink/);
  const hard = await hostileRpm('hard.rpm', [{ name: vmlinuxName, mode: 0o100644, nlink: 2 }]);
  await rejects(t, hard, rpmTarget, /hardlink/);
  const dev = await hostileRpm('dev.rpm', [{ name: vmlinuxName, mode: 0o20644 }]);
  await rejects(t, dev, rpmTarget, /device/);
});

t.test('decompression bombs are stopped', async (t) => {
  const zeros = Buffer.alloc(32 * 1024 * 1024);
  const big = await hostileRpm('bomb.rpm', [{ name: vmlinuxName, mode: 0o100644, data: zeros }]);
  t.ok((await fs.stat(big)).size < 200_000, 'the bomb is small on disk');
  await rejects(t, big, rpmTarget, /per-file limit/, { maxFileBytes: 1024 * 1024 });
  // a skipped member still counts against the payload cap
  const skipped = await hostileRpm('bomb2.rpm', [{ name: './usr/share/zeros', mode: 0o100644, data: zeros }]);
  await rejects(t, skipped, rpmTarget, /size limit/, { maxPayloadBytes: 4 * 1024 * 1024 });
});

t.test('a package that is not what its name says', async (t) => {
  const rpm = await buildRpm(work, { version: '4.19.91', release: '25.1.an8', compressor: 'gzip', elf });
  await rejects(t, rpm, rpmTarget, /not the one the mirror metadata describes/);
  await rejects(t, rpm, { ...rpmTarget, pkg: undefined }, /no vmlinux for/);
  const deb = await buildDeb(work, { kver: '6.1.0-57-amd64', version: '6.1.160-1', compression: 'xz', elf });
  await rejects(t, deb, debTarget, /not the one the mirror metadata describes/);
  await rejects(t, rpm, debTarget, /not a Debian package/);
  await rejects(t, deb, rpmTarget, /not an RPM package/);
  const text = path.join(work, 'notelf.rpm');
  await fs.writeFile(
    text,
    craftRpm({
      ...rpmTarget.pkg!,
      release: '24.8.an8',
      compressor: 'gzip',
      payload: zlib.gzipSync(makeCpio([{ name: vmlinuxName, mode: 0o100644, data: Buffer.from('hello') }])),
    }),
  );
  await rejects(t, text, rpmTarget, /not an ELF/);
});

t.test('payload that lies about its compressor, or is corrupt, or truncated', async (t) => {
  const lie = await hostileRpm('lie.rpm', [{ name: vmlinuxName, mode: 0o100644, data: elfBytes }], 'xz');
  await rejects(t, lie, rpmTarget, /declared compressor/);
  const rpm = await buildRpm(work, { version: '4.19.91', release: '24.8.an8', compressor: 'xz', elf });
  const bytes = await fs.readFile(rpm);
  const cut = path.join(work, 'cut.rpm');
  await fs.writeFile(cut, bytes.subarray(0, bytes.length - 2000));
  await rejects(t, cut, rpmTarget, /corrupt|truncated/);
  const flipped = Buffer.from(bytes);
  for (let i = bytes.length - 3000; i < bytes.length - 1000; i += 7) flipped[i] = flipped[i]! ^ 0xff;
  const bad = path.join(work, 'bad.rpm');
  await fs.writeFile(bad, flipped);
  await rejects(t, bad, rpmTarget, /corrupt|truncated/);
  await fs.rm(rpm);
});

const debControl = { Package: `linux-image-${DKVER}-dbg`, Version: '6.1.158-1', Architecture: 'amd64' };
const debVmlinux = `./usr/lib/debug/boot/vmlinux-${DKVER}`;

t.test('DEB members ../x, /etc/x, symlink and hard link are refused', async (t) => {
  const write = async (name: string, deb: Buffer) => {
    const file = path.join(work, name);
    await fs.writeFile(file, deb);
    return file;
  };
  const up = await write(
    'up.deb',
    await craftDeb({ control: debControl, data: [{ name: '../x', data: Buffer.from('x') }] }),
  );
  await rejects(t, up, debTarget, /climbs out/);
  const abs = await write(
    'abs.deb',
    await craftDeb({ control: debControl, data: [{ name: '/etc/x', data: Buffer.from('x') }] }),
  );
  await rejects(t, abs, debTarget, /absolute path/);
  const sym = await write(
    'sym.deb',
    await craftDeb({
      control: debControl,
      data: [{ name: debVmlinux, type: 'symlink', linkname: '/etc/passwd' }],
    }),
  );
  await rejects(t, sym, debTarget, /symlink/);
  const hard = await write(
    'hard.deb',
    await craftDeb({
      control: debControl,
      data: [{ name: debVmlinux, type: 'link', linkname: './etc/passwd' }],
    }),
  );
  await rejects(t, hard, debTarget, /hardlink/);
  const ok = await write(
    'ok.deb',
    await craftDeb({ control: debControl, data: [{ name: debVmlinux, data: elfBytes }] }),
  );
  const got = await extractKernel(ok, debTarget, tmp, {}, { runner: RUNNER });
  t.same(await fs.readFile(got.vmlinuxPath), elfBytes, 'the same builder makes a good package');
  await fs.rm(got.dir, { recursive: true });
});

t.test('DEB bomb and garbage tar', async (t) => {
  const zeros = Buffer.alloc(32 * 1024 * 1024);
  const file = path.join(work, 'bomb.deb');
  await fs.writeFile(
    file,
    await craftDeb({ control: debControl, data: [{ name: debVmlinux, data: zeros }] }),
  );
  await rejects(t, file, debTarget, /per-file limit/, { maxFileBytes: 1024 * 1024 });
  await rejects(t, file, debTarget, /size limit/, { maxPayloadBytes: 1024 * 1024 });
  const junk = path.join(work, 'junk.deb');
  await fs.writeFile(
    junk,
    await craftDeb({ control: debControl, data: [], dataGz: zlib.gzipSync(Buffer.alloc(4096, 0x41)) }),
  );
  await rejects(t, junk, debTarget, /corrupt tar/);
});

t.test('xz decompression runs through sandbox/exec and leaves no process behind', async (t) => {
  const rpm = await buildRpm(work, { version: '4.19.91', release: '24.8.an8', compressor: 'xz', elf });
  const got = await extractKernel(rpm, rpmTarget, tmp, { includeModules: false }, { runner: RUNNER });
  t.ok(got.vmlinuxPath);
  const ps = await runToolOk('ps', ['-eo', 'ppid,comm'], { timeoutMs: 10_000 });
  const mine = ps.stdout
    .split('\n')
    .filter((l) => l.trim().startsWith(`${process.pid} `) && /\b(xz|zstd)\b/.test(l));
  t.same(mine, [], 'no decompressor left running');
  await fs.rm(got.dir, { recursive: true });
});

t.test('extractKernelStream consumes a stream arriving in small pieces', async (t) => {
  const { extractKernelStream } = await import('../../src/ingest/extract.js');
  const rpm = await buildRpm(work, { version: '4.19.91', release: '24.8.an8', compressor: 'zstd', elf });
  const bytes = await fs.readFile(rpm);
  async function* trickle() {
    for (let i = 0; i < bytes.length; i += 777) {
      await new Promise((r) => setImmediate(r));
      yield bytes.subarray(i, i + 777);
    }
  }
  const got = await extractKernelStream(trickle(), rpmTarget, tmp, {}, { runner: RUNNER });
  t.same(await fs.readFile(got.vmlinuxPath), elfBytes);
  await fs.rm(got.dir, { recursive: true });
});
