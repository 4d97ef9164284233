import type { IndexEntry } from './candidate.js';
import { checkHttpUrl } from './http.js';
import { type IndexFetchOptions, readIndexFile } from './index-fetch.js';

const HREF_RE = /href\s*=\s*"([^"?#<>]+)"/gi;
const PAGE_LIMIT = 64 * 1024 * 1024;

/** `name-version-release.arch.rpm` split from the right, as rpm names files. */
export function parseRpmFileName(
  file: string,
): { name: string; version: string; release: string; arch: string } | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.([^.]+)\.rpm$/.exec(file);
  if (!m) return undefined;
  return { name: m[1]!, version: m[2]!, release: m[3]!, arch: m[4]! };
}

/** `name_version_arch.deb` (or `.ddeb`), as dpkg names files; the version may carry an escaped epoch. */
export function parseDebFileName(file: string): { name: string; version: string; arch: string } | undefined {
  const m = /^([a-z0-9][a-z0-9.+-]*)_([^_]+)_([a-z0-9]+)\.d?deb$/.exec(file);
  if (!m) return undefined;
  return { name: m[1]!, version: m[2]!, arch: m[3]! };
}

/**
 * The links of an HTML directory index whose file names `parse` accepts: only for mirrors
 * without package metadata (no checksums, so the download is checked only by size and content).
 * Undefined when the directory is absent.
 */
export async function readListingWith(
  dirUrl: string,
  parse: (file: string) => Omit<IndexEntry, 'url'> | undefined,
  wanted: (name: string) => boolean,
  opts: IndexFetchOptions,
): Promise<IndexEntry[] | undefined> {
  const page = await readIndexFile(`${dirUrl}/`, opts, PAGE_LIMIT);
  if (!page) return undefined;
  const out: IndexEntry[] = [];
  const seen = new Set<string>();
  for (const m of page.toString('utf8').matchAll(HREF_RE)) {
    let url: string;
    let file: string;
    try {
      url = checkHttpUrl(new URL(m[1]!, `${dirUrl}/`).href).href;
      file = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    } catch {
      continue;
    }
    const entry = parse(file);
    if (!entry || !wanted(entry.name) || seen.has(url)) continue;
    seen.add(url);
    out.push({ ...entry, url });
  }
  return out;
}

/** `.rpm` links of a directory index. */
export const readListing = (dirUrl: string, wanted: (name: string) => boolean, opts: IndexFetchOptions) =>
  readListingWith(dirUrl, parseRpmFileName, wanted, opts);

/** `.deb`/`.ddeb` links of a pool directory index. */
export const readPoolListing = (dirUrl: string, wanted: (name: string) => boolean, opts: IndexFetchOptions) =>
  readListingWith(dirUrl, parseDebFileName, wanted, opts);
