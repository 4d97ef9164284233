import { isSurfhiveError, SurfhiveError } from '../errors/codes.js';
import type { Candidate } from './candidate.js';
import { TransientError } from './http.js';
import { type ResolveRequest, resolvePackage } from './resolve.js';

/**
 * The package of the first release, in order, whose mirrors offer the version: for a
 * `uname -r` whose suffix several releases share (el8: centos, rocky, alma, oracle).
 * A release that lacks it (or has no repository on its mirror) passes to the next;
 * network faults and ambiguity stop the search.
 */
export async function resolveInOrder(
  releases: readonly string[],
  req: Omit<ResolveRequest, 'release'>,
): Promise<Candidate> {
  const misses: string[] = [];
  for (const release of releases) {
    try {
      return await resolvePackage({ ...req, release });
    } catch (err) {
      const absent =
        isSurfhiveError(err) &&
        !(err instanceof TransientError) &&
        (err.kind === 'KERNEL_NOT_FOUND' || err.kind === 'DOWNLOAD_FAILED');
      if (!absent || releases.length === 1) throw err;
      misses.push(release);
    }
  }
  throw new SurfhiveError(
    'KERNEL_NOT_FOUND',
    `no kernel debuginfo package for that version on ${req.arch} in ${misses.join(', ')}`,
  );
}
