import type { Candidate } from './candidate.js';

/** Natural order: numeric runs compare as numbers (4.19.91-24.10 after 4.19.91-24.9). */
export const compareVer = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

const BOUNDARY = /[.\-_+~]/;

/**
 * The kernels a user's version may mean. An exact `uname -r` wins; otherwise a short
 * version matches whole leading components (`4.19.91-23.4` → `4.19.91-23.4.an8.x86_64`
 * but not `4.19.91-23.41...`), and a Debian/Ubuntu package version matches as such.
 */
export function matchVersion(candidates: Candidate[], query: string): Candidate[] {
  const exact = candidates.filter((c) => c.ver === query);
  if (exact.length > 0) return exact;
  return candidates.filter(
    (c) =>
      (c.ver.startsWith(query) && BOUNDARY.test(c.ver.charAt(query.length))) ||
      c.pkg.version === query ||
      (c.pkg.release !== undefined && `${c.pkg.version}-${c.pkg.release}` === query),
  );
}
