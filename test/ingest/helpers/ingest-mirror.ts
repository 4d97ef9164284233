import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { artifactDir, artifactPath, type KernelKey } from '../../../src/hive/layout.js';
import { stagingRoot } from '../../../src/hive/publish.js';
import { buildDeb, buildElf, craftDeb, type TarEntry, writePackagesXz } from './fixtures.js';
import { startMirror } from './mirror-server.js';

export const POOL = 'pool/main/l/linux';
export const META_PACKAGE = 'linux-image-6.1-amd64-dbg';
export const DEB_VERSION = '6.1.158-1';
/** Two flavours of one kernel (so `6.1.0-56` is ambiguous) and one kernel that faults are aimed at. */
export const KVERS = ['6.1.0-56-amd64', '6.1.0-56-cloud-amd64', '6.1.0-60-amd64'] as const;

/**
 * A Debian-style mirror on 127.0.0.1 (dpkg-deb packages, Packages.xz) whose files and
 * index can be swapped for hostile ones and restored, with the mirror server's faults.
 */
export async function ingestMirror() {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'surfhive-ingest-'));
  const www = path.join(root, 'www');
  const debRoot = path.join(www, 'debian');
  await fs.mkdir(path.join(debRoot, POOL), { recursive: true });
  const elf = await buildElf(root);
  const elfBytes = await fs.readFile(elf);
  const files: Record<string, string> = {};
  const good: Record<string, Buffer> = {};
  for (const kver of KVERS) {
    const made = await buildDeb(path.join(debRoot, POOL), {
      kver,
      version: DEB_VERSION,
      compression: 'xz',
      elf,
    });
    files[kver] = `${POOL}/${path.basename(made)}`;
    good[kver] = await fs.readFile(made);
  }
  const pkgName = (kver: string) => `linux-image-${kver}-dbg`;
  // Debian's kind of metapackage: its name fits the kernel rule, it holds no vmlinux and
  // depends on the real package. --list and resolve must pass it over.
  const meta = `${POOL}/${META_PACKAGE}_${DEB_VERSION}_amd64.deb`;
  await fs.writeFile(path.join(debRoot, meta), 'a metapackage holds no vmlinux');
  const reindex = (overrides: Parameters<typeof writePackagesXz>[3] = {}) =>
    writePackagesXz(
      debRoot,
      'bookworm',
      [
        ...KVERS.map((kver) => ({
          file: files[kver]!,
          fields: { Package: pkgName(kver), Version: DEB_VERSION, Architecture: 'amd64' },
        })),
        {
          file: meta,
          fields: {
            Package: META_PACKAGE,
            Version: DEB_VERSION,
            Architecture: 'amd64',
            Depends: `${pkgName(KVERS[2])} (= ${DEB_VERSION})`,
          },
        },
      ],
      overrides,
    );
  await reindex();
  const mirror = await startMirror(www);
  return {
    root,
    elfBytes,
    mirror,
    mirrorArg: `debian=${mirror.url}/debian`,
    mirrors: { debian: `${mirror.url}/debian` },
    /** URL path of a kernel's package, as the fault table keys it. */
    urlPath: (kver: string) => `/debian/${files[kver]}`,
    fileName: (kver: string) => path.basename(files[kver]!),
    /** Serves other bytes for a kernel's package, listed in the index with their true size and sha256. */
    async replace(kver: string, body: Buffer) {
      await fs.writeFile(path.join(debRoot, files[kver]!), body);
      await reindex();
    },
    /** Keeps the real package but lists a wrong sha256 for it. */
    lieAboutChecksum: (kver: string) => reindex({ [files[kver]!]: { SHA256: '0'.repeat(64) } }),
    async restore(kver: string) {
      await fs.writeFile(path.join(debRoot, files[kver]!), good[kver]!);
      await reindex();
    },
    /** A hand-made package of a kernel with the metadata's identity around hostile data. */
    hostile: (kver: string, data: TarEntry[], dataGz?: Buffer) =>
      craftDeb({
        control: { Package: pkgName(kver), Version: DEB_VERSION, Architecture: 'amd64' },
        data,
        dataGz,
      }),
    close: async () => {
      await mirror.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

export type IngestMirror = Awaited<ReturnType<typeof ingestMirror>>;

export const debKey = (ver: string): KernelKey => ({ arch: 'x86_64', release: 'debian', ver });

/** Every artifact of a published kernel is there (a partial kernel has some but not all). */
export async function kernelState(hive: string, key: KernelKey): Promise<'absent' | 'complete' | 'partial'> {
  const kinds = ['btf', 'head', 'db', 'funcs'] as const;
  const present = await Promise.all(
    kinds.map((k) =>
      fs.stat(artifactPath(hive, key, k)).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (present.every(Boolean)) return 'complete';
  return present.some(Boolean) ? 'partial' : 'absent';
}

/** Scratch directories and partial files left in the hive (lock files are not scratch). */
export async function leftovers(hive: string, key: KernelKey): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(stagingRoot(hive), { withFileTypes: true }).catch(() => []))
    if (e.isDirectory()) out.push(`.staging/${e.name}`);
  const pack = artifactDir(hive, key.arch, 'pack', key.release);
  for (const name of await fs.readdir(pack).catch(() => [] as string[]))
    if (name.endsWith('.part')) out.push(`pack/${name}`);
  return out;
}

export const packFiles = async (hive: string, key: KernelKey) =>
  fs.readdir(artifactDir(hive, key.arch, 'pack', key.release)).catch(() => [] as string[]);
