import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { SurfhiveError } from '../../src/errors/codes.js';
import { parseMirrorArgs } from '../../src/ingest/catalog.js';
import { type DownloadExtractOptions, downloadAndExtract } from '../../src/ingest/download-extract.js';
import { listPackages, type ResolveRequest, resolvePackage } from '../../src/ingest/resolve.js';
import { RUNNER } from '../helpers/tools.js';
import { buildDeb, buildElf, buildRpm, createRepo, writePackagesXz } from './helpers/fixtures.js';
import { startMirror } from './helpers/mirror-server.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'surfhive-resolve-'));
const www = path.join(root, 'www');
const elf = await buildElf(root);
const elfBytes = await fs.readFile(elf);

// anolis: two repos of the built-in catalog's layout, every other repo answers 404
const baseos = path.join(www, 'anolis/8.10/BaseOS/x86_64/debug');
const plus = path.join(www, 'anolis/8.9/Plus/x86_64/debug');
for (const dir of [baseos, plus]) await fs.mkdir(path.join(dir, 'Packages'), { recursive: true });
const rpm = (dir: string, release: string, compressor: 'gzip' | 'xz' | 'zstd', name?: string) =>
  buildRpm(path.join(dir, 'Packages'), { name, version: '4.19.91', release, compressor, elf });
await rpm(baseos, '24.8.an8', 'zstd');
await rpm(baseos, '23.4.an8', 'xz');
await rpm(baseos, '23.41.an8', 'gzip');
await rpm(baseos, '26.1.an8', 'gzip', 'kernel-debug-debuginfo');
await rpm(baseos, '24.8.an8', 'gzip', 'kernel-debuginfo-common-x86_64');
await rpm(plus, '25.1.an8', 'gzip');
await createRepo(baseos);
await createRepo(plus);

// debian: bookworm with two flavours of one kernel; bullseye with a lying checksum
const pool = 'pool/main/l/linux';
await fs.mkdir(path.join(www, 'debian', pool), { recursive: true });
const debs: { file: string; fields: Record<string, string> }[] = [];
for (const kver of ['6.1.0-56-amd64', '6.1.0-56-cloud-amd64', '5.10.0-30-amd64']) {
  const version = kver.startsWith('6') ? '6.1.158-1' : '5.10.218-1';
  const made = await buildDeb(path.join(www, 'debian', pool), { kver, version, compression: 'xz', elf });
  debs.push({
    file: `${pool}/${path.basename(made)}`,
    fields: { Package: `linux-image-${kver}-dbg`, Version: version, Architecture: 'amd64' },
  });
}
await writePackagesXz(path.join(www, 'debian'), 'bookworm', debs.slice(0, 2));
await writePackagesXz(path.join(www, 'debian'), 'bullseye', debs.slice(2), {
  [debs[2]!.file]: { SHA256: '0'.repeat(64) },
});

// ubuntu: index only; the small signed -dbgsym must lose to the unsigned one
const ubuntuIndex = path.join(www, 'ubuntu/dists/jammy-updates/main/binary-amd64');
await fs.mkdir(ubuntuIndex, { recursive: true });
const stanza = (pkg: string, size: number) =>
  `Package: ${pkg}\nVersion: 5.15.0-91.101\nArchitecture: amd64\nFilename: pool/main/l/linux/${pkg}_5.15.0-91.101_amd64.ddeb\nSize: ${size}\nSHA256: ${'a'.repeat(64)}\n`;
await fs.writeFile(
  path.join(ubuntuIndex, 'Packages'),
  [
    stanza('linux-image-5.15.0-91-generic-dbgsym', 4000),
    stanza('linux-image-unsigned-5.15.0-91-generic-dbgsym', 900_000_000),
    stanza('linux-image-5.15.0-92-generic-dbgsym', 4000),
    stanza('linux-modules-5.15.0-91-generic-dbgsym', 4000),
  ].join('\n'),
);
await (await import('../../src/sandbox/exec.js')).runToolOk('xz', [path.join(ubuntuIndex, 'Packages')], {
  timeoutMs: 30_000,
});

// oracle: a plain HTML directory listing
const ol8 = path.join(www, 'oracle/ol8/debuginfo');
await fs.mkdir(ol8, { recursive: true });
await fs.writeFile(
  path.join(ol8, 'index.html'),
  `<html><body><a href="kernel-uek-debuginfo-5.4.17-2136.300.7.el8uek.x86_64.rpm">x</a>
<a href="kernel-uek-debuginfo-5.4.17-2136.300.7.el8uek.aarch64.rpm">x</a>
<a href="kernel-uek-debug-debuginfo-5.4.17-2136.300.7.el8uek.x86_64.rpm">x</a>
<a href="file:///etc/kernel-uek-debuginfo-1-1.x86_64.rpm">x</a></body></html>`,
);

const mirror = await startMirror(www);
t.teardown(async () => {
  await mirror.close();
  await fs.rm(root, { recursive: true, force: true });
});
const mirrors = parseMirrorArgs([
  `anolis=${mirror.url}/anolis`,
  `debian=${mirror.url}/debian`,
  `ubuntu=${mirror.url}/ubuntu`,
  `oracle=${mirror.url}/oracle`,
]);
const fast = { retry: { retries: 2, baseDelayMs: 10 }, fetch: { stallMs: 2000 }, runner: RUNNER };
const failure = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as SurfhiveError,
  );

t.test('anolis: list skips debug-variant and -common packages', async (t) => {
  const list = await listPackages({ release: 'anolis', arch: 'x86_64', mirrors, ...fast });
  t.same(
    list.map((c) => c.ver),
    [
      '4.19.91-23.4.an8.x86_64',
      '4.19.91-23.41.an8.x86_64',
      '4.19.91-24.8.an8.x86_64',
      '4.19.91-25.1.an8.x86_64',
    ],
  );
  const one = list[2]!;
  t.match(
    one.url,
    /\/anolis\/8\.10\/BaseOS\/x86_64\/debug\/Packages\/kernel-debuginfo-4\.19\.91-24\.8\.an8\.x86_64\.rpm$/,
  );
  t.match(one.sha256, /^[0-9a-f]{64}$/);
  t.ok(one.size && one.size > 1000);
  t.equal(one.layout.vmlinux, 'usr/lib/debug/lib/modules/4.19.91-24.8.an8.x86_64/vmlinux');
  const arm = await failure(listPackages({ release: 'anolis', arch: 'aarch64', mirrors, ...fast }));
  t.match(arm?.message, /none of the \d+ anolis repositories exist/, 'no aarch64 repos on this mirror');
});

t.test('anolis: short, full and ambiguous versions', async (t) => {
  const req = { release: 'anolis', arch: 'x86_64' as const, mirrors, ...fast };
  t.equal((await resolvePackage({ ...req, version: '4.19.91-23.4' })).ver, '4.19.91-23.4.an8.x86_64');
  t.equal(
    (await resolvePackage({ ...req, version: '4.19.91-24.8.an8.x86_64' })).ver,
    '4.19.91-24.8.an8.x86_64',
  );
  t.equal((await resolvePackage({ ...req, version: '4.19.91-25.1.an8' })).ver, '4.19.91-25.1.an8.x86_64');
  const amb = await failure(resolvePackage({ ...req, version: '4.19.91' }));
  t.equal(amb?.kind, 'AMBIGUOUS_VERSION');
  t.match(amb?.message, /matches 4 kernels: 4\.19\.91-23\.4\.an8\.x86_64, .*fuller version/);
  t.equal((amb as SurfhiveError & { candidates: string[] }).candidates.length, 4);
  const none = await failure(resolvePackage({ ...req, version: '4.19.91-26.1' }));
  t.equal(none?.kind, 'KERNEL_NOT_FOUND', 'the kernel-debug-debuginfo build is not offered');
  const bad = await failure(resolvePackage({ ...req, version: '../../etc' }));
  t.equal(bad?.kind, 'INVALID_FIELD');
  const unknown = await failure(resolvePackage({ ...req, release: 'nosuch', version: '1.0' }));
  t.equal(unknown?.kind, 'INVALID_FIELD');
});

t.test('debian: flavours, package versions, Packages.xz', async (t) => {
  const req = { release: 'debian', arch: 'x86_64' as const, mirrors, ...fast };
  const amb = await failure(resolvePackage({ ...req, version: '6.1.0-56' }));
  t.equal(amb?.kind, 'AMBIGUOUS_VERSION');
  t.match(amb?.message, /6\.1\.0-56-amd64, 6\.1\.0-56-cloud-amd64/);
  const c = await resolvePackage({ ...req, version: '6.1.0-56-amd64' });
  t.equal(c.pkg.name, 'linux-image-6.1.0-56-amd64-dbg');
  t.equal(c.layout.vmlinux, 'usr/lib/debug/boot/vmlinux-6.1.0-56-amd64');
  t.equal((await resolvePackage({ ...req, version: '5.10.0-30' })).ver, '5.10.0-30-amd64');
});

t.test('ubuntu: unsigned dbgsym preferred, stub signed one ignored', async (t) => {
  const req = { release: 'ubuntu', arch: 'x86_64' as const, mirrors, ...fast };
  const c = await resolvePackage({ ...req, version: '5.15.0-91-generic' });
  t.equal(c.pkg.name, 'linux-image-unsigned-5.15.0-91-generic-dbgsym');
  t.equal(c.layout.vmlinux, 'usr/lib/debug/boot/vmlinux-5.15.0-91-generic');
  const none = await failure(resolvePackage({ ...req, version: '5.15.0-92-generic' }));
  t.equal(none?.kind, 'KERNEL_NOT_FOUND');
});

t.test('oracle: directory listing', async (t) => {
  const list = await listPackages({ release: 'oracle', arch: 'x86_64', mirrors, ...fast });
  t.same(
    list.map((c) => [c.ver, c.sha256]),
    [['5.4.17-2136.300.7.el8uek.x86_64', undefined]],
  );
});

t.test('mirror faults while resolving', async (t) => {
  const req = { release: 'anolis', arch: 'x86_64' as const, mirrors, ...fast };
  mirror.faults.set('/anolis/8.10/BaseOS/x86_64/debug/repodata/repomd.xml', {
    kind: 'status',
    status: 500,
    times: 1,
  });
  t.equal(
    (await resolvePackage({ ...req, version: '4.19.91-23.4' })).ver,
    '4.19.91-23.4.an8.x86_64',
    '500 retried',
  );
  mirror.faults.set('/anolis/8.10/BaseOS/x86_64/debug/repodata/repomd.xml', { kind: 'status', status: 500 });
  const err = await failure(resolvePackage({ ...req, version: '4.19.91-23.4' }));
  t.equal(err?.kind, 'DOWNLOAD_FAILED');
  t.match(err?.message, /HTTP 500/);
  mirror.faults.delete('/anolis/8.10/BaseOS/x86_64/debug/repodata/repomd.xml');
  const nowhere = await failure(
    resolvePackage({ ...req, mirrors: { anolis: `${mirror.url}/empty` }, version: '4.19.91' }),
  );
  t.match(nowhere?.message, /none of the \d+ anolis repositories exist/);
});

/** What an ingest does before it builds (src/ingest/run.ts): resolve, then download and extract at once. */
async function obtain(req: ResolveRequest, dir: string, download?: DownloadExtractOptions['download']) {
  const cand = await resolvePackage(req);
  return { cand, ...(await downloadAndExtract(cand, dir, { download, runner: RUNNER })) };
}

t.test('resolve, download, extract (anolis, zstd payload, cut mid-file)', async (t) => {
  const dir = path.join(root, 'staging');
  const file = '/anolis/8.10/BaseOS/x86_64/debug/Packages/kernel-debuginfo-4.19.91-24.8.an8.x86_64.rpm';
  mirror.faults.set(file, { kind: 'cut', afterBytes: 3000, times: 1 });
  const got = await obtain(
    { release: 'anolis', arch: 'x86_64', version: '4.19.91-24.8', mirrors, ...fast },
    dir,
    { retryBaseMs: 10 },
  );
  t.equal(got.cand.ver, '4.19.91-24.8.an8.x86_64');
  t.equal(got.cand.arch, 'x86_64');
  t.equal(got.pkg.path, path.join(dir, 'kernel-debuginfo-4.19.91-24.8.an8.x86_64.rpm'));
  t.equal(got.pkg.sha256, got.cand.sha256);
  t.same(await fs.readFile(got.kernel.vmlinuxPath), elfBytes);
  t.ok(got.kernel.moduleDir);
  t.ok(
    mirror.requests.some((r) => r.path === file && r.range),
    'the cut download resumed',
  );
  await fs.rm(dir, { recursive: true });
});

t.test('debian, then a lying checksum leaves nothing behind', async (t) => {
  const dir = path.join(root, 'staging-deb');
  const got = await obtain(
    { release: 'debian', arch: 'x86_64', version: '6.1.0-56-cloud-amd64', mirrors, ...fast },
    dir,
  );
  t.same(await fs.readFile(got.kernel.vmlinuxPath), elfBytes);
  t.equal(got.cand.ver, '6.1.0-56-cloud-amd64');
  await fs.rm(dir, { recursive: true });
  const err = await failure(
    obtain({ release: 'debian', arch: 'x86_64', version: '5.10.0-30', mirrors, ...fast }, dir),
  );
  t.equal(err?.kind, 'CHECKSUM_MISMATCH');
  t.same(await fs.readdir(dir), []);
});
