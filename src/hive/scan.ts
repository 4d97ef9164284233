import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACT_KINDS, type ArtifactKind, verFromFileName } from './layout.js';
import { ARCHES, type Arch, isRelease, isVer } from './names.js';

export interface ArtifactFile {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** The artifacts one release holds for one kernel. */
export interface ReleaseCopy {
  arch: Arch;
  ver: string;
  release: string;
  artifacts: Partial<Record<ArtifactKind, ArtifactFile>>;
}

export interface HiveScan {
  copies: ReleaseCopy[];
  /** Every directory looked at, with its mtime: a changed mtime means a file came or went. */
  dirs: Map<string, number>;
}

async function listDir(dir: string, dirs: Map<string, number>): Promise<Dirent[]> {
  try {
    const [st, entries] = await Promise.all([stat(dir), readdir(dir, { withFileTypes: true })]);
    dirs.set(dir, st.mtimeMs);
    return entries;
  } catch {
    dirs.set(dir, -1); // absent now; watched so that its creation is noticed
    return [];
  }
}

/**
 * Reads `<hive>/<arch>/<kind>/<release>/<file>` for every artifact kind.
 * Names that are not ours (temporary files, bad versions) are skipped.
 */
export async function scanHive(hive: string): Promise<HiveScan> {
  const dirs = new Map<string, number>();
  const byKey = new Map<string, ReleaseCopy>();
  await listDir(hive, dirs);
  for (const arch of ARCHES) {
    await listDir(path.join(hive, arch), dirs);
    for (const kind of ARTIFACT_KINDS) {
      const kindDir = path.join(hive, arch, kind);
      const releases = (await listDir(kindDir, dirs)).filter((d) => d.isDirectory() && isRelease(d.name));
      for (const rel of releases) {
        const relDir = path.join(kindDir, rel.name);
        const files = await listDir(relDir, dirs);
        await Promise.all(
          files.map(async (f) => {
            const ver = verFromFileName(kind, f.name);
            if (ver === undefined || !isVer(ver) || !(f.isFile() || f.isSymbolicLink())) return;
            const file = path.join(relDir, f.name);
            const st = await stat(file).catch(() => undefined);
            if (!st?.isFile()) return;
            const key = `${arch}\0${ver}\0${rel.name}`;
            let copy = byKey.get(key);
            if (!copy) {
              copy = { arch, ver, release: rel.name, artifacts: {} };
              byKey.set(key, copy);
            }
            copy.artifacts[kind] = { path: file, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
          }),
        );
      }
    }
  }
  return { copies: [...byKey.values()], dirs };
}
