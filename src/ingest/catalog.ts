import { SurfhiveError } from '../errors/codes.js';
import { type Arch, isRelease, MIRROR_KEY_RE } from '../hive/names.js';
import { CATALOG_DATA } from './catalog-data.js';

/** How one repository publishes its package list. */
export type RepoSpec =
  | { kind: 'repodata'; path: string; base?: string }
  | { kind: 'deb'; suite: string; component: string; base?: string }
  | { kind: 'listing'; path: string; base?: string };

/** Which packages carry a kernel's debuginfo, and how their fields give `uname -r`. */
export interface PackageRule {
  /** Regular expression on the package name; named groups feed `ver`. */
  match: string;
  /** Template of `uname -r`: {name} {version} {release} {arch} and the named groups of `match`. */
  ver: string;
  /** Smaller packages are stubs without a vmlinux (Ubuntu's signed -dbgsym). */
  minBytes?: number;
}

export interface ReleaseSpec {
  format: 'rpm' | 'deb';
  /** Named base URLs; repos use `default` unless they name another. */
  bases: Record<string, string>;
  repos: RepoSpec[];
  /** In preference order: for one kernel, a package of an earlier rule wins. */
  packages: PackageRule[];
  /** Path of the debug vmlinux inside the package, `{kver}` = uname -r. */
  vmlinux: string;
  /** Directory holding module debug files (`*.ko.debug`, `*.ko`) inside the package. */
  modules?: string;
}

export type Catalog = Record<string, ReleaseSpec>;

/** mirrors: `release` → base URL for all its bases, or `release.base` → URL for one base. */
export type MirrorOverrides = Record<string, string>;

const DEB_ARCH: Record<Arch, string> = { x86_64: 'amd64', aarch64: 'arm64' };
export const debArch = (arch: Arch) => DEB_ARCH[arch];

let builtin: Catalog | undefined;

/** The catalog shipped with surfhive (catalog-data.ts). */
export function builtinCatalog(): Catalog {
  builtin ??= checkCatalog(CATALOG_DATA);
  return builtin;
}

/** Validates the built-in catalog, so that a typo fails at load, not mid-ingest. */
export function checkCatalog(raw: Record<string, unknown>): Catalog {
  const out: Catalog = {};
  for (const [key, value] of Object.entries(raw)) {
    const spec = value as ReleaseSpec;
    const bad = (why: string) => new SurfhiveError('INVALID_FIELD', `catalog entry ${key}: ${why}`);
    if (!isRelease(key)) throw bad('bad release name');
    if (spec.format !== 'rpm' && spec.format !== 'deb') throw bad('format must be rpm or deb');
    if (!spec.bases || typeof spec.bases.default !== 'string') throw bad('needs bases.default');
    for (const url of Object.values(spec.bases)) checkBaseUrl(url, key);
    if (!Array.isArray(spec.repos) || spec.repos.length === 0) throw bad('needs repos');
    for (const repo of spec.repos) {
      if (!['repodata', 'deb', 'listing'].includes(repo.kind)) throw bad('unknown repo kind');
      if (repo.base !== undefined && !(repo.base in spec.bases)) throw bad('repo names an unknown base');
    }
    if (!Array.isArray(spec.packages) || spec.packages.length === 0) throw bad('needs packages');
    for (const rule of spec.packages) new RegExp(rule.match);
    if (typeof spec.vmlinux !== 'string' || !spec.vmlinux.includes('{kver}'))
      throw bad('vmlinux needs {kver}');
    out[key] = spec;
  }
  return out;
}

export function checkBaseUrl(url: string, release: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SurfhiveError('INVALID_FIELD', `mirror for ${release} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new SurfhiveError('INVALID_FIELD', `mirror for ${release} must be an http(s) URL`);
  return url.replace(/\/+$/, '');
}

export function releaseSpec(catalog: Catalog, release: string): ReleaseSpec {
  const spec = Object.hasOwn(catalog, release) ? catalog[release] : undefined;
  if (!spec)
    throw new SurfhiveError(
      'INVALID_FIELD',
      `unknown release; known releases: ${Object.keys(catalog).sort().join(', ')}`,
    );
  return spec;
}

/** The base URL a repo is read from, after the operator's overrides. */
export function baseUrl(
  release: string,
  spec: ReleaseSpec,
  repo: RepoSpec,
  mirrors: MirrorOverrides,
): string {
  const name = repo.base ?? 'default';
  const url = mirrors[`${release}.${name}`] ?? mirrors[release] ?? spec.bases[name]!;
  return checkBaseUrl(url, release);
}

/** Fills `{name}` placeholders; an unknown placeholder is a catalog error. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([a-z]+)\}/g, (_, key: string) => {
    const v = values[key];
    if (v === undefined) throw new SurfhiveError('INTERNAL', `catalog template uses unknown {${key}}`);
    return v;
  });
}

/** Parses `RELEASE=URL` strings as the CLI receives them. */
export function parseMirrorArgs(args: string[]): MirrorOverrides {
  const out: MirrorOverrides = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const key = arg.slice(0, eq);
    if (eq <= 0 || !MIRROR_KEY_RE.test(key))
      throw new SurfhiveError('INVALID_FIELD', 'mirror must look like RELEASE=URL or RELEASE.BASE=URL');
    out[key] = checkBaseUrl(arg.slice(eq + 1), key);
  }
  return out;
}
