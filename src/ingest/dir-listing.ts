import type { IndexEntry } from './candidate.js';
import { checkHttpUrl } from './http.js';
import { type IndexFetchOptions, readIndexFile } from './index-fetch.js';

const HREF_RE = /href\s*=\s*"([^"?#<>]+\.rpm)"/gi;

/** `name-version-release.arch.rpm` split from the right, as rpm names files. */
export function parseRpmFileName(
  file: string,
): { name: string; version: string; release: string; arch: string } | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.([^.]+)\.rpm$/.exec(file);
  if (!m) return undefined;
  return { name: m[1]!, version: m[2]!, release: m[3]!, arch: m[4]! };
}

/**
 * Scrapes an HTML directory listing for `.rpm` links: only for mirrors without repodata
 * (no checksums, so the download is checked only by size and content).
 */
export async function readListing(
  dirUrl: string,
  wanted: (name: string) => boolean,
  opts: IndexFetchOptions,
): Promise<IndexEntry[] | undefined> {
  const page = await readIndexFile(`${dirUrl}/`, opts, 64 * 1024 * 1024);
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
    const nvra = parseRpmFileName(file);
    if (!nvra || !wanted(nvra.name) || seen.has(url)) continue;
    seen.add(url);
    out.push({ ...nvra, url });
  }
  return out;
}
