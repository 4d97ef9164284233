import os from 'node:os';
import path from 'node:path';
import { type Arch, normalizeArch } from './names.js';

/** The artifacts one kernel may have in the hive (see docs/hive-layout.md). */
export const ARTIFACT_KINDS = ['btf', 'head', 'db', 'funcs', 'vmlinux'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export interface KernelKey {
  arch: Arch;
  release: string;
  ver: string;
}

/** Directory of one artifact kind for one (arch, release). */
export const artifactDir = (hive: string, arch: Arch, kind: ArtifactKind | 'pack', release: string) =>
  path.join(hive, arch, kind, release);

export function artifactFileName(kind: ArtifactKind, ver: string): string {
  switch (kind) {
    case 'btf':
    case 'vmlinux':
      return `vmlinux-${ver}`;
    case 'head':
      return `vmlinux-${ver}.h`;
    case 'db':
      return `info-${ver}.db`;
    case 'funcs':
      return `funcs-${ver}.tsv`;
  }
}

export const artifactPath = (hive: string, key: KernelKey, kind: ArtifactKind) =>
  path.join(artifactDir(hive, key.arch, kind, key.release), artifactFileName(kind, key.ver));

/** Parses a hive file name back into the kernel version, or undefined if the name is not one of ours. */
export function verFromFileName(kind: ArtifactKind, name: string): string | undefined {
  const m =
    kind === 'db'
      ? /^info-(.+)\.db$/.exec(name)
      : kind === 'head'
        ? /^vmlinux-(.+)\.h$/.exec(name)
        : kind === 'funcs'
          ? /^funcs-(.+)\.tsv$/.exec(name)
          : /^vmlinux-(.+)$/.exec(name);
  return m?.[1];
}

/** This machine's arch in the hive's names; x86_64 when it is neither. */
export function hostArch(): Arch {
  try {
    return normalizeArch(os.machine());
  } catch {
    return 'x86_64';
  }
}
