import { SurfhiveError } from '../errors/codes.js';

export interface ExtractCaps {
  /** Largest single extracted file. */
  maxFileBytes: number;
  /** All extracted files together. */
  maxTotalBytes: number;
  /** The decompressed payload, skipped members included (decompression bombs). */
  maxPayloadBytes: number;
  /** Archive members, skipped ones included. */
  maxMembers: number;
  /** Time allowed to the decompressor. */
  timeoutMs: number;
  /** Also extract module debug files (`*.ko.debug`, `*.ko`). */
  includeModules: boolean;
}

export const DEFAULT_CAPS: ExtractCaps = {
  maxFileBytes: 4 * 1024 ** 3,
  maxTotalBytes: 32 * 1024 ** 3,
  maxPayloadBytes: 64 * 1024 ** 3,
  maxMembers: 2_000_000,
  timeoutMs: 2 * 3600_000,
  includeModules: true,
};

export const badArchive = (why: string) => new SurfhiveError('BAD_ARCHIVE', why);

/**
 * A member name as a relative path of plain segments (`./usr/x` → `usr/x`). Absolute names,
 * `..` segments and control characters are never legitimate in a package: the whole archive is refused.
 */
export function normalizeMemberName(raw: string): string {
  if (raw.length > 4096 || /[\0-\x1f]/.test(raw))
    throw badArchive('archive has a member with an invalid name');
  if (raw.startsWith('/')) throw badArchive('archive has a member with an absolute path');
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw badArchive('archive has a member whose path climbs out (..)');
  if (parts.some((p) => p.length > 255)) throw badArchive('archive has a member with an overlong name');
  return parts.join('/');
}

export type Wanted = { kind: 'vmlinux' } | { kind: 'module'; rel: string } | undefined;

/** Decides which members are extracted: the vmlinux, and module debug files below the modules directory. */
export function memberSelector(layout: { vmlinux: string; modules?: string }, includeModules: boolean) {
  const vmlinux = normalizeMemberName(layout.vmlinux);
  const modulesPrefix =
    includeModules && layout.modules ? `${normalizeMemberName(layout.modules)}/` : undefined;
  return (name: string): Wanted => {
    if (name === vmlinux) return { kind: 'vmlinux' };
    if (modulesPrefix && name.startsWith(modulesPrefix) && /\.ko(\.debug)?$/.test(name))
      return { kind: 'module', rel: name.slice(modulesPrefix.length) };
    return undefined;
  };
}
