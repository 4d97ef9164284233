import { SettingError } from '../config/config.js';
import { SurfhiveError } from '../errors/codes.js';
import { type Arch, isRelease, MIRROR_KEY_RE } from '../hive/names.js';
import { CATALOG_DATA } from './catalog-data.js';

/**
 * How one repository publishes its package list: `repodata` (an RPM repository; a directory
 * without repodata/ is read from its HTML index), `deb` (a suite's Packages index), `listing`
 * (an HTML index of .rpm files), `pool` (an HTML index of .deb/.ddeb files, when a suite's
 * index is incomplete), `koji` (a build tree whose path is filled from the exact `uname -r`).
 */
export type RepoSpec =
  | { kind: 'repodata'; path: string; base?: string }
  | { kind: 'deb'; suite: string; component: string; base?: string }
  | { kind: 'listing'; path: string; base?: string }
  | { kind: 'pool'; path: string; base?: string }
  | { kind: 'koji'; path: string; base?: string };

const REPO_KINDS: RepoSpec['kind'][] = ['repodata', 'deb', 'listing', 'pool', 'koji'];

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
  /** Regular expressions on `uname -r`: the release's version conventions (`.an8`, `-cloud-amd64`, ...). */
  uname?: string[];
}

export type Catalog = Record<string, ReleaseSpec>;

/** mirrors: `release` → base URL for all its bases, or `release.base` → URL for one base. */
export type MirrorOverrides = Record<string, string>;

const DEB_ARCH: Record<Arch, string> = { x86_64: 'amd64', aarch64: 'arm64' };
export const debArch = (arch: Arch) => DEB_ARCH[arch];

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 1024;
const SPEC_KEYS = ['format', 'bases', 'repos', 'packages', 'vmlinux', 'modules', 'uname', '$comment'];
const REPO_KEYS = ['kind', 'path', 'suite', 'component', 'base'];

/** Validates a catalog (the built-in one or an operator's) so that a typo fails at load, not mid-ingest. */
export function checkCatalog(raw: Record<string, unknown>): Catalog {
  const out: Catalog = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith('$')) continue;
    const bad = (why: string) => new SurfhiveError('INVALID_FIELD', `catalog entry ${key}: ${why}`);
    const pattern = (p: unknown, what: string) => {
      if (!isText(p)) throw bad(`${what} must be a non-empty string`);
      try {
        new RegExp(p);
      } catch {
        throw bad(`${what} is not a valid regular expression`);
      }
    };
    if (!isRelease(key)) throw bad('bad release name');
    if (!isObject(value)) throw bad('must be an object');
    const unknown = Object.keys(value).find((k) => !SPEC_KEYS.includes(k));
    if (unknown !== undefined) throw bad(`unknown field ${JSON.stringify(unknown.slice(0, 40))}`);
    const spec = value as unknown as ReleaseSpec;
    if (spec.format !== 'rpm' && spec.format !== 'deb') throw bad('format must be rpm or deb');
    if (!isObject(spec.bases) || typeof spec.bases.default !== 'string') throw bad('needs bases.default');
    for (const url of Object.values(spec.bases)) {
      if (typeof url !== 'string') throw bad('every base must be a URL');
      checkBaseUrl(url, key);
    }
    if (!Array.isArray(spec.repos) || spec.repos.length === 0) throw bad('needs repos');
    for (const repo of spec.repos as unknown[]) {
      if (!isObject(repo)) throw bad('every repo must be an object');
      if (Object.keys(repo).some((k) => !REPO_KEYS.includes(k))) throw bad('a repo has an unknown field');
      if (!REPO_KINDS.includes(repo.kind as RepoSpec['kind']))
        throw bad(`repos kind must be one of ${REPO_KINDS.join(', ')}`);
      if (repo.kind === 'deb' ? !isText(repo.suite) || !isText(repo.component) : !isText(repo.path))
        throw bad(
          repo.kind === 'deb' ? 'a deb repo needs suite and component' : `a ${repo.kind} repo needs path`,
        );
      if (repo.base !== undefined && !(typeof repo.base === 'string' && Object.hasOwn(spec.bases, repo.base)))
        throw bad('repo names an unknown base');
    }
    if (!Array.isArray(spec.packages) || spec.packages.length === 0) throw bad('needs packages');
    for (const rule of spec.packages as unknown[]) {
      if (!isObject(rule)) throw bad('every package rule must be an object');
      pattern(rule.match, 'packages match');
      if (!isText(rule.ver)) throw bad('packages ver must be a template');
    }
    if (typeof spec.vmlinux !== 'string' || !spec.vmlinux.includes('{kver}'))
      throw bad('vmlinux needs {kver}');
    if (spec.modules !== undefined && !isText(spec.modules)) throw bad('modules must be a path');
    if (spec.uname !== undefined && !Array.isArray(spec.uname)) throw bad('uname must be a list of patterns');
    for (const p of spec.uname ?? []) pattern(p, 'uname');
    out[key] = spec;
  }
  return out;
}

const BUILTIN_CATALOG = checkCatalog(CATALOG_DATA);

/** The catalog shipped with surfhive (catalog-data.ts), checked like an operator's, once. */
export const builtinCatalog = (): Catalog => BUILTIN_CATALOG;

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

/**
 * Refuses mirror keys the catalog does not know (a typo would otherwise be ignored and the
 * default mirror used); `setting` names where they came from (`--mirror`, `SURFHIVE_MIRRORS`).
 */
export function checkMirrorKeys(
  mirrors: MirrorOverrides,
  catalog: Catalog,
  setting: string,
): MirrorOverrides {
  for (const key of Object.keys(mirrors)) {
    const [release = '', base] = key.split('.');
    const spec = Object.hasOwn(catalog, release) ? catalog[release] : undefined;
    if (!spec)
      throw new SettingError(
        setting,
        `${key}=...: no release is called ${JSON.stringify(release)}; known releases: ${Object.keys(catalog).sort().join(', ')}`,
      );
    if (base !== undefined && !Object.hasOwn(spec.bases, base))
      throw new SettingError(
        setting,
        `${key}=...: ${release} has no base called ${JSON.stringify(base)}; its bases: ${Object.keys(spec.bases).join(', ')}`,
      );
  }
  return mirrors;
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
