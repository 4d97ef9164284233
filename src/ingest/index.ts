export type { Candidate } from './candidate.js';
export {
  builtinCatalog,
  type Catalog,
  checkCatalog,
  type MirrorOverrides,
  parseMirrorArgs,
  type ReleaseSpec,
} from './catalog.js';
export {
  type DownloadedPackage,
  type DownloadOptions,
  type DownloadProgress,
  downloadPackage,
} from './download.js';
export { type ExtractedKernel, type ExtractTarget, extractKernel, extractKernelStream } from './extract.js';
export { DEFAULT_CAPS, type ExtractCaps } from './extract-policy.js';
export { type FetchKernelOptions, fetchKernel, type IngestedKernel } from './fetch-kernel.js';
export { type ListRequest, listPackages, type ResolveRequest, resolvePackage } from './resolve.js';
