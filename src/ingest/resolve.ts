import { SurfhiveError } from '../errors/codes.js';
import { type Arch, checkArch, checkRelease, checkVer } from '../hive/names.js';
import type { ToolRunner } from '../sandbox/exec.js';
import type { Candidate, IndexEntry } from './candidate.js';
import { CandidateSet } from './candidates.js';
import {
  baseUrl,
  builtinCatalog,
  type Catalog,
  debArch,
  fillTemplate,
  type MirrorOverrides,
  type ReleaseSpec,
  type RepoSpec,
  releaseSpec,
} from './catalog.js';
import { readDebPackages } from './deb-packages.js';
import { readListing, readPoolListing } from './dir-listing.js';
import { MirrorFault, showUrl } from './http.js';
import type { IndexCache } from './index-cache.js';
import { DEFAULT_INDEX_FETCH, type IndexFetchOptions } from './index-fetch.js';
import { DEFAULT_RETRY, type RetryPolicy, withRetries } from './retry.js';
import { readRepodata } from './rpm-repodata.js';
import { compareVer, matchVersion } from './version-match.js';

export interface ListRequest {
  release: string;
  arch: Arch;
  mirrors?: MirrorOverrides;
  /** Defaults to the built-in catalog. */
  catalog?: Catalog;
  signal?: AbortSignal | undefined;
  /** The process's runner: index decompressors run under its configured sandbox. */
  runner: ToolRunner;
  fetch?: Partial<IndexFetchOptions>;
  retry?: Partial<RetryPolicy>;
  /** Parsed indexes reused across resolutions (the server's); none: every resolution reads the mirror. */
  indexCache?: IndexCache;
}

export interface ResolveRequest extends ListRequest {
  /** Short (`4.19.91-23.4`) or full `uname -r`, or a Debian/Ubuntu package version. */
  version: string;
}

const SHOWN = 20;

/** Every kernel debuginfo package the release's mirrors offer for this arch, in version order. */
export async function listPackages(req: ListRequest): Promise<Candidate[]> {
  const set = await scan(req);
  return set.all().sort((a, b) => compareVer(a.ver, b.ver));
}

/** The one package a version means; AMBIGUOUS_VERSION lists the choices, KERNEL_NOT_FOUND if none. */
export async function resolvePackage(req: ResolveRequest): Promise<Candidate> {
  const version = checkVer(req.version);
  const set = await scan(req, version);
  const found = matchVersion(set.all(), version).sort((a, b) => compareVer(a.ver, b.ver));
  if (found.length === 1) return found[0]!;
  if (found.length === 0)
    throw new SurfhiveError(
      'KERNEL_NOT_FOUND',
      `no ${req.release} kernel debuginfo package for that version on ${req.arch} (see --list)`,
    );
  const names = found.slice(0, SHOWN).map((c) => c.ver);
  const more = found.length > SHOWN ? ` and ${found.length - SHOWN} more` : '';
  const err = new SurfhiveError(
    'AMBIGUOUS_VERSION',
    `that version matches ${found.length} kernels: ${names.join(', ')}${more}; give a fuller version`,
  );
  (err as SurfhiveError & { candidates?: string[] }).candidates = found.map((c) => c.ver);
  throw err;
}

/** Reads the repositories in catalog order; stops early once `exact` is found as a full `uname -r`. */
async function scan(req: ListRequest, exact?: string): Promise<CandidateSet> {
  checkRelease(req.release);
  const arch = checkArch(req.arch);
  const spec = releaseSpec(req.catalog ?? builtinCatalog(), req.release);
  const set = new CandidateSet(req.release, spec, arch);
  const missing: { url: string; status: number }[] = [];
  const fetchOpts: IndexFetchOptions = {
    ...DEFAULT_INDEX_FETCH,
    ...req.fetch,
    signal: req.signal,
    onMissing: (url, status) => missing.push({ url, status }),
    runner: req.runner,
  };
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...req.retry, signal: req.signal };
  let present = 0;
  for (const repo of spec.repos) {
    const load = () => withRetries(() => readRepo(req, spec, repo, set.wants, fetchOpts, exact), retry);
    const entries = req.indexCache
      ? await req.indexCache.get(repoKey(req, spec, repo, exact), load)
      : await load();
    if (!entries) continue;
    present++;
    const label =
      repo.kind === 'deb'
        ? `${repo.suite}/${repo.component}`
        : fillTemplate(repo.path, {
            arch: req.arch,
            debarch: debArch(req.arch),
            version: '*',
            release: '*',
          });
    for (const e of entries) set.add({ ...e, repo: label });
    if (exact !== undefined && set.has(exact)) break;
  }
  if (present === 0) {
    const first = missing[0];
    throw new MirrorFault(
      `none of the ${spec.repos.length} ${req.release} repositories exist on the mirror` +
        (first ? `: ${showUrl(first.url)} answered HTTP ${first.status}` : ''),
    );
  }
  return set;
}

/** What one repository read depends on: release (its package names), arch, the repository's URL. */
function repoKey(req: ListRequest, spec: ReleaseSpec, repo: RepoSpec, exact: string | undefined): string {
  const base = baseUrl(req.release, spec, repo, req.mirrors ?? {});
  const nvr = repo.kind === 'koji' && exact !== undefined ? splitRpmUname(exact, req.arch) : undefined;
  return JSON.stringify([req.release, req.arch, base, repo, nvr ?? null]);
}

async function readRepo(
  req: ListRequest,
  spec: ReleaseSpec,
  repo: RepoSpec,
  wants: (name: string) => boolean,
  opts: IndexFetchOptions,
  exact: string | undefined,
): Promise<IndexEntry[] | undefined> {
  const base = baseUrl(req.release, spec, repo, req.mirrors ?? {});
  const vars = { arch: req.arch, debarch: debArch(req.arch) };
  switch (repo.kind) {
    case 'repodata': {
      const dir = `${base}/${fillTemplate(repo.path, vars)}`;
      // a directory without repodata/ (old Alinux 2 trees) is read from its HTML index
      return (await readRepodata(dir, wants, opts)) ?? (await readListing(dir, wants, opts));
    }
    case 'listing':
      return readListing(`${base}/${fillTemplate(repo.path, vars)}`, wants, opts);
    case 'pool':
      return readPoolListing(`${base}/${fillTemplate(repo.path, vars)}`, wants, opts);
    case 'koji': {
      const nvr = exact === undefined ? undefined : splitRpmUname(exact, req.arch);
      if (!nvr) return undefined;
      return readListing(`${base}/${fillTemplate(repo.path, { ...vars, ...nvr })}`, wants, opts);
    }
    case 'deb':
      return readDebPackages(
        base,
        { suite: repo.suite, component: repo.component, debArch: vars.debarch },
        wants,
        opts,
      );
  }
}

/**
 * `{version, release}` of an exact RPM `uname -r` of this arch (`6.5.6-300.fc39.x86_64`), for
 * build trees addressed by them. Each part is a plain token: no URL can be made from other input.
 */
export function splitRpmUname(ver: string, arch: Arch): { version: string; release: string } | undefined {
  const m = /^([0-9][A-Za-z0-9._+~]{0,63})-([0-9A-Za-z][A-Za-z0-9._+~]{0,63})\.(x86_64|aarch64)$/.exec(ver);
  if (!m || m[3] !== arch || ver.includes('..')) return undefined;
  return { version: m[1]!, release: m[2]! };
}
