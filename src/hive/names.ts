import { SurfhiveError } from '../errors/codes.js';

export const ARCHES = ['x86_64', 'aarch64'] as const;
export type Arch = (typeof ARCHES)[number];

/** `uname -r` as kernels print it: no slash, no leading dot, no `..`, printable ASCII. */
const VER = '[0-9][A-Za-z0-9._+~-]{0,127}';
const RELEASE = '[a-z][a-z0-9_-]{0,31}';
export const VER_PATTERN = `^${VER}$`;
export const RELEASE_PATTERN = `^${RELEASE}$`;
/** A mirror override's key: `release` for all its bases, or `release.base` for one. */
export const MIRROR_KEY_PATTERN = `^${RELEASE}(\\.${RELEASE})?$`;
/** An ingest job's id (see `ingestJobId`). */
export const INGEST_ID_PATTERN = `^ingest-(${ARCHES.join('|')})-${RELEASE}-${VER}$`;
const VER_RE = new RegExp(VER_PATTERN);
const RELEASE_RE = new RegExp(RELEASE_PATTERN);
export const MIRROR_KEY_RE = new RegExp(MIRROR_KEY_PATTERN);

export const isArch = (s: unknown): s is Arch =>
  typeof s === 'string' && (ARCHES as readonly string[]).includes(s);
export const isVer = (s: unknown): s is string =>
  typeof s === 'string' && VER_RE.test(s) && !s.includes('..');
export const isRelease = (s: unknown): s is string => typeof s === 'string' && RELEASE_RE.test(s);

export function checkArch(s: unknown): Arch {
  if (!isArch(s)) throw new SurfhiveError('INVALID_FIELD', `arch must be one of ${ARCHES.join(', ')}`);
  return s;
}
export function checkVer(s: unknown): string {
  if (!isVer(s)) throw new SurfhiveError('INVALID_FIELD', 'ver must look like a kernel release (uname -r)');
  return s;
}
export function checkRelease(s: unknown): string {
  if (!isRelease(s)) throw new SurfhiveError('INVALID_FIELD', 'release must match ' + RELEASE_PATTERN);
  return s;
}

/** Maps `uname -m` spellings to the hive's arch names. */
export function normalizeArch(machine: string): Arch {
  const m = machine === 'arm64' ? 'aarch64' : machine === 'amd64' ? 'x86_64' : machine;
  return checkArch(m);
}

/** Kernel module names (and `vm` for vmlinux): what the `funs.module` column may hold. */
export const MODULE_NAME_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}$';
const MODULE_NAME = new RegExp(MODULE_NAME_PATTERN);

export const isModuleName = (s: unknown): s is string =>
  typeof s === 'string' && MODULE_NAME.test(s) && !s.includes('..');

export function checkModuleName(s: unknown): string {
  if (!isModuleName(s))
    throw new SurfhiveError('INVALID_FIELD', 'a kernel module name must be 1-64 letters, digits, _ . + or -');
  return s;
}
