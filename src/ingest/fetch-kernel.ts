import fs from 'node:fs/promises';
import type { Arch } from '../hive/names.js';
import type { Candidate } from './candidate.js';
import { type DownloadOptions, downloadPackage } from './download.js';
import { type ExtractedKernel, extractKernel } from './extract.js';
import type { ExtractCaps } from './extract-policy.js';
import { type ResolveRequest, resolvePackage } from './resolve.js';

export interface FetchKernelOptions {
  /** Where the package is stored (e.g. the hive's pack/<release> directory). */
  packageDir: string;
  /** Scratch space for extraction. */
  tmpDir: string;
  download?: Omit<DownloadOptions, 'signal'>;
  caps?: Partial<ExtractCaps>;
  signal?: AbortSignal;
  /** Called once the package is chosen, before the download starts. */
  onResolved?: (c: Candidate) => void;
}

/** What the builder needs: the debug vmlinux, module debug files, and where they came from. */
export interface IngestedKernel extends ExtractedKernel {
  ver: string;
  arch: Arch;
  release: string;
  packagePath: string;
  sha256: string;
  candidate: Candidate;
}

/** Resolve → download → extract. On failure nothing is left in tmpDir; the package file stays only if complete. */
export async function fetchKernel(req: ResolveRequest, opts: FetchKernelOptions): Promise<IngestedKernel> {
  const candidate = await resolvePackage({ ...req, signal: opts.signal ?? req.signal });
  opts.onResolved?.(candidate);
  const pkg = await downloadPackage(candidate, opts.packageDir, { ...opts.download, signal: opts.signal });
  await fs.mkdir(opts.tmpDir, { recursive: true });
  const files = await extractKernel(pkg.path, candidate, opts.tmpDir, opts.caps, { signal: opts.signal });
  return {
    ...files,
    ver: candidate.ver,
    arch: candidate.arch,
    release: candidate.release,
    packagePath: pkg.path,
    sha256: pkg.sha256,
    candidate,
  };
}
