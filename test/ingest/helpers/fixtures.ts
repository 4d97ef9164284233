import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { runToolOk } from '../../../src/sandbox/exec.js';
import { KFIXTURE_C } from '../../helpers/fixtures.js';

/** A real ELF with DWARF, standing in for a debug vmlinux (test/fixtures/kernel-like). */
export async function buildElf(dir: string): Promise<string> {
  const out = path.join(dir, 'kfixture.so');
  await runToolOk(
    'gcc',
    ['-g', '-O0', '-fno-eliminate-unused-debug-types', '-shared', '-fPIC', KFIXTURE_C, '-o', out],
    { timeoutMs: 60_000 },
  );
  return out;
}

const PAYLOAD: Record<string, string> = { gzip: 'w9.gzdio', xz: 'w2.xzdio', zstd: 'w19.zstdio' };

/** A kernel-debuginfo RPM made by rpmbuild, with the vmlinux and one module debug file. */
export async function buildRpm(
  dir: string,
  o: { name?: string; version: string; release: string; compressor: 'gzip' | 'xz' | 'zstd'; elf: string },
): Promise<string> {
  const name = o.name ?? 'kernel-debuginfo';
  const kver = `${o.version}-${o.release}.x86_64`;
  const top = await fs.mkdtemp(path.join(dir, 'rpmbuild-'));
  const mod = `/usr/lib/debug/lib/modules/${kver}`;
  const spec = `%define debug_package %{nil}
%define __os_install_post %{nil}
%define _build_id_links none
Name: ${name}
Version: ${o.version}
Release: ${o.release}
Summary: fixture
License: MIT
AutoReqProv: no
%description
fixture
%install
mkdir -p %{buildroot}${mod}/kernel/fs/foo %{buildroot}/usr/lib/debug/.build-id/ab
cp ${o.elf} %{buildroot}${mod}/vmlinux
cp ${o.elf} %{buildroot}${mod}/kernel/fs/foo/foo.ko.debug
echo notes > %{buildroot}${mod}/README
ln -s ../../lib/modules/${kver}/vmlinux %{buildroot}/usr/lib/debug/.build-id/ab/cdef.debug
%files
/usr/lib/debug
`;
  await fs.writeFile(path.join(top, 'k.spec'), spec);
  await runToolOk(
    'rpmbuild',
    [
      '-bb',
      '--quiet',
      '--define',
      `_topdir ${top}`,
      '--define',
      `_binary_payload ${PAYLOAD[o.compressor]}`,
      '--target',
      'x86_64',
      path.join(top, 'k.spec'),
    ],
    { timeoutMs: 120_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: top } },
  );
  const file = `${name}-${o.version}-${o.release}.x86_64.rpm`;
  const out = path.join(dir, file);
  await fs.rename(path.join(top, 'RPMS', 'x86_64', file), out);
  await fs.rm(top, { recursive: true, force: true });
  return out;
}

/** A Debian -dbg package made by dpkg-deb. */
export async function buildDeb(
  dir: string,
  o: {
    kver: string;
    version: string;
    compression: 'xz' | 'zstd' | 'gzip';
    elf: string;
    suffix?: string;
    /** Package name (default `linux-image-<kver>-<suffix>`). */
    name?: string;
  },
): Promise<string> {
  const name = o.name ?? `linux-image-${o.kver}-${o.suffix ?? 'dbg'}`;
  const root = await fs.mkdtemp(path.join(dir, 'deb-'));
  await fs.mkdir(path.join(root, 'DEBIAN'));
  await fs.writeFile(
    path.join(root, 'DEBIAN/control'),
    `Package: ${name}\nVersion: ${o.version}\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: fixture\n`,
  );
  const mod = path.join(root, 'usr/lib/debug/lib/modules', o.kver, 'kernel/fs');
  await fs.mkdir(mod, { recursive: true });
  await fs.mkdir(path.join(root, 'usr/lib/debug/boot'), { recursive: true });
  await fs.copyFile(o.elf, path.join(root, 'usr/lib/debug/boot', `vmlinux-${o.kver}`));
  await fs.copyFile(o.elf, path.join(mod, 'foo.ko'));
  await fs.symlink(`../boot/vmlinux-${o.kver}`, path.join(root, 'usr/lib/debug/vmlinux-link'));
  const out = path.join(dir, `${name}_${o.version}_amd64.deb`);
  await runToolOk('dpkg-deb', ['--root-owner-group', `-Z${o.compression}`, '--build', root, out], {
    timeoutMs: 120_000,
  });
  await fs.rm(root, { recursive: true, force: true });
  return out;
}

export interface CpioEntry {
  name: string;
  mode: number;
  data?: Buffer;
  nlink?: number;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');
const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);

/** A newc cpio archive, written by hand so that hostile names and types can be planted. */
export function makeCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of [...entries, { name: 'TRAILER!!!', mode: 0 }]) {
    const data = e.data ?? Buffer.alloc(0);
    const name = Buffer.from(`${e.name}\0`);
    const fields = [1, e.mode, 0, 0, e.nlink ?? 1, 0, data.length, 0, 0, 0, 0, name.length, 0];
    const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'latin1');
    parts.push(header, name, pad4(header.length + name.length), data, pad4(data.length));
  }
  return Buffer.concat(parts);
}

/** A minimal but well-formed RPM (lead, empty signature, header with identity tags) around a payload. */
export function craftRpm(o: {
  name: string;
  version: string;
  release: string;
  arch: string;
  compressor: string;
  payload: Buffer;
}): Buffer {
  const lead = Buffer.alloc(96);
  Buffer.from([0xed, 0xab, 0xee, 0xdb, 3, 0]).copy(lead);
  const header = (tags: [number, string][]) => {
    const index: Buffer[] = [];
    const data: Buffer[] = [];
    let offset = 0;
    for (const [tag, value] of tags) {
      const e = Buffer.alloc(16);
      e.writeUInt32BE(tag, 0);
      e.writeUInt32BE(6, 4);
      e.writeUInt32BE(offset, 8);
      e.writeUInt32BE(1, 12);
      index.push(e);
      const v = Buffer.from(`${value}\0`);
      data.push(v);
      offset += v.length;
    }
    const intro = Buffer.alloc(16);
    Buffer.from([0x8e, 0xad, 0xe8, 0x01]).copy(intro);
    intro.writeUInt32BE(tags.length, 8);
    intro.writeUInt32BE(offset, 12);
    return Buffer.concat([intro, ...index, ...data]);
  };
  const sig = header([]);
  const main = header([
    [1000, o.name],
    [1001, o.version],
    [1002, o.release],
    [1022, o.arch],
    [1124, 'cpio'],
    [1125, o.compressor],
  ]);
  return Buffer.concat([lead, sig, main, o.payload]);
}

export type TarEntry = Partial<tar.Header> & { name: string; data?: Buffer };

export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const out: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) out.push(c as Buffer);
  })();
  for (const { data, ...h } of entries) {
    await new Promise<void>((res, rej) =>
      pack.entry({ ...h, size: data?.length ?? 0 }, data ?? Buffer.alloc(0), (err) =>
        err ? rej(err) : res(),
      ),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(out);
}

/** A .deb written by hand (ar + gzip tars) so that hostile members can be planted. */
export async function craftDeb(o: {
  control: Record<string, string>;
  data: TarEntry[];
  dataGz?: Buffer;
}): Promise<Buffer> {
  const controlText = Object.entries(o.control)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
  const control = zlib.gzipSync(await makeTar([{ name: './control', data: Buffer.from(controlText) }]));
  const data = o.dataGz ?? zlib.gzipSync(await makeTar(o.data));
  const member = (name: string, body: Buffer) => {
    const h = Buffer.from(
      `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(body.length).padEnd(10)}\`\n`,
      'latin1',
    );
    return Buffer.concat([h, body, body.length % 2 ? Buffer.from('\n') : Buffer.alloc(0)]);
  };
  return Buffer.concat([
    Buffer.from('!<arch>\n'),
    member('debian-binary', Buffer.from('2.0\n')),
    member('control.tar.gz', control),
    member('data.tar.gz', data),
  ]);
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** RPM repodata made by the real createrepo_c. */
export async function createRepo(dir: string): Promise<void> {
  await runToolOk('createrepo_c', ['--quiet', '--no-database', dir], { timeoutMs: 120_000 });
}

/** `dists/<suite>/<component>/binary-amd64/Packages.xz` for .deb files under `root/pool/...`. */
export async function writePackagesXz(
  root: string,
  suite: string,
  debs: { file: string; fields: Record<string, string> }[],
  overrides: Record<string, Partial<Record<'SHA256' | 'Size', string>>> = {},
  component = 'main',
): Promise<void> {
  const stanzas: string[] = [];
  for (const d of debs) {
    const body = await fs.readFile(path.join(root, d.file));
    const f = { ...d.fields, Filename: d.file, Size: String(body.length), SHA256: sha256(body) };
    Object.assign(f, overrides[d.file] ?? {});
    stanzas.push(
      `${Object.entries(f)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n')}\nDescription: fixture\n long text line\n`,
    );
  }
  const dir = path.join(root, 'dists', suite, component, 'binary-amd64');
  await fs.mkdir(dir, { recursive: true });
  const plain = path.join(dir, 'Packages');
  await fs.writeFile(plain, stanzas.join('\n'));
  await runToolOk('xz', ['-f', plain], { timeoutMs: 60_000 });
}
