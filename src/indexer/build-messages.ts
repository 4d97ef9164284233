import type { ErrorName } from '../errors/codes.js';
import type { KernelKey } from '../hive/layout.js';
import type { SandboxPolicy } from '../sandbox/policy.js';
import type { BuildResult } from './pipeline.js';

/** One kernel to build from a file (the serializable part of `BuildKernelOptions`). */
export interface BuildJob {
  hive: string;
  key: KernelKey;
  input: string;
  modulesDir?: string | undefined;
  keepVmlinux: boolean;
  extraMeta?: Record<string, string>;
  /**
   * The caller already holds the kernel's lock (an ingest): build and publish. Otherwise the
   * build takes the lock and skips an input already published unless `force`.
   */
  lockHeld: boolean;
  force?: boolean;
  /** The caller's log bindings (an ingest job's id, kind and kernel): the builder's lines carry them too. */
  logBindings?: Record<string, unknown>;
}

/** One module file added to a published kernel's database. */
export interface ModuleJob {
  hive: string;
  key: KernelKey;
  /** The module's name (from the URL), checked against the file's own `.modinfo`. */
  name: string;
  /** The uploaded file: an ELF .ko, or one compressed with xz or zstd. */
  file: string;
}

export interface ModuleAddResult {
  key: KernelKey;
  module: string;
  /** False: the same module was already there. */
  published: boolean;
  stats?: { structs: number; types: number; funcs: number };
}

export type IndexerTask = { op: 'build'; job: BuildJob } | { op: 'add-module'; job: ModuleJob };

export type IndexerResult<T extends IndexerTask> = T extends { op: 'build' } ? BuildResult : ModuleAddResult;

/** Parent → builder process. */
export type ToBuilder =
  | { type: 'run'; task: IndexerTask; deadline: number; logLevel: string; policy: SandboxPolicy }
  | { type: 'abort' };

/** Builder process → parent: the one reply, then the process exits. */
export type FromBuilder =
  | { type: 'done'; result: BuildResult | ModuleAddResult }
  | { type: 'failed'; kind: ErrorName; message: string };
