import { SurfhiveError } from '../errors/codes.js';
import { type Arch, isVer } from '../hive/names.js';
import type { Catalog } from './catalog.js';

/** What a host's `uname -r` means: the release to ingest it from first, and every release that may hold it. */
export interface UnameResolution {
  release: string;
  /** The `uname -r` as the release's packages name it (an RPM `uname -r` always ends in its arch). */
  version: string;
  arch: Arch;
  /** Every release whose naming convention matches, in the operator's order. */
  candidates: string[];
}

export interface UnameOptions {
  catalog: Catalog;
  /** The arch the client states; must agree with an arch the `uname -r` itself names. */
  arch?: Arch;
  /** Releases tried first, in this order (the operator's preference where a suffix is shared). */
  order?: readonly string[];
}

/** Arch spellings a `uname -r` may end in: RPM's `.x86_64`, Debian's `-amd64`, Ubuntu's `-64k` flavours. */
const ARCH_HINTS: [RegExp, Arch][] = [
  [/\.x86_64$/, 'x86_64'],
  [/\.aarch64$/, 'aarch64'],
  [/-amd64$/, 'x86_64'],
  [/-arm64$/, 'aarch64'],
  [/-(64k|raspi|raspi-nolpae|lowlatency-64k|generic-64k)$/, 'aarch64'],
];

const RPM_ARCH_SUFFIX = /\.(x86_64|aarch64)$/;

function archOf(uname: string): Arch | undefined {
  for (const [re, arch] of ARCH_HINTS) if (re.test(uname)) return arch;
  return undefined;
}

/**
 * Maps `uname -r` to releases by each catalog entry's `uname` patterns (the distributions' own
 * version conventions). Pure: reads no mirror. A string of any shape gets an answer or an
 * INVALID_FIELD saying why.
 */
export function resolveUname(raw: unknown, opts: UnameOptions): UnameResolution {
  if (typeof raw !== 'string' || raw.length === 0)
    throw new SurfhiveError('INVALID_FIELD', 'uname must be the output of uname -r');
  const uname = raw.trim();
  if (!isVer(uname))
    throw new SurfhiveError(
      'INVALID_FIELD',
      'uname must look like the output of uname -r: a digit, then at most 127 of A-Z a-z 0-9 . _ + ~ -',
    );
  const named = archOf(uname);
  if (named && opts.arch && named !== opts.arch)
    throw new SurfhiveError('INVALID_FIELD', `uname names arch ${named} but arch ${opts.arch} was given`);
  const arch = named ?? opts.arch ?? 'x86_64';

  const matching = Object.entries(opts.catalog)
    .filter(([, spec]) => (spec.uname ?? []).some((p) => new RegExp(p).test(uname)))
    .map(([name]) => name);
  if (matching.length === 0)
    throw new SurfhiveError(
      'INVALID_FIELD',
      'uname matches no release naming convention in the catalog (a custom kernel? upload it instead)',
    );
  const order = opts.order ?? [];
  const rank = (name: string) => {
    const i = order.indexOf(name);
    return i < 0 ? order.length : i;
  };
  const candidates = matching
    .map((name, i) => ({ name, i }))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.i - b.i)
    .map((c) => c.name);
  const release = candidates[0]!;
  const rpm = opts.catalog[release]!.format === 'rpm';
  const version = rpm && !RPM_ARCH_SUFFIX.test(uname) ? `${uname}.${arch}` : uname;
  if (!isVer(version)) throw new SurfhiveError('INVALID_FIELD', 'uname is too long');
  return { release, version, arch, candidates };
}
