import { SurfhiveError } from '../errors/codes.js';
import type { Arch } from '../hive/names.js';

type Preparing = SurfhiveError & { retryAfterSec: number; location: string };

/** The public status URL of a provisioning job. */
export const provisionJobUrl = (jobId: string) => `/api/v1/provision/${jobId}`;

/**
 * What a request for a kernel being ingested gets: REST answers 202 with Retry-After and
 * Location (the job's URL); legacy /lbc clients read the message as their `log`.
 */
export function kernelPreparing(arch: Arch, ver: string, release: string, jobId: string, retrySec: number) {
  const err = new SurfhiveError(
    'KERNEL_PREPARING',
    `kernel ${ver} (${arch}) is being prepared from ${release}; retry in ${retrySec} s (status: ${provisionJobUrl(jobId)})`,
  ) as Preparing;
  err.retryAfterSec = retrySec;
  err.location = provisionJobUrl(jobId);
  return err;
}

/** The job URL a KERNEL_PREPARING error carries, for the Location header. */
export const preparingLocation = (err: SurfhiveError): string | undefined =>
  err.kind === 'KERNEL_PREPARING' ? (err as Preparing).location : undefined;
