import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log/logger.js';
import type { ToolRunner } from '../sandbox/exec.js';
import { policyId } from '../sandbox/policy.js';
import { kernelHeaderId, toolchainId } from './cache-key.js';
import { bpfClangBaseArgs, clangLimits, includeMounts } from './clang-run.js';
import { jobConfinement, SANDBOX_INCLUDE } from './job-sandbox.js';
import { flagMacroNames, flagStd, headersMention, startsWithLbcInclude } from './pch-fit.js';
import type { LbcToolchain } from './toolchain.js';

const PCH_OUT = 'lbc.h.pch';
const BUILD_TIMEOUT_MS = 60_000;
/** A build that failed is not tried again for this long (per process). */
const RETRY_AFTER_MS = 10 * 60_000;

export interface PchCacheOptions {
  /** Where the precompiled headers are kept (one file per kernel, toolchain and C standard). */
  dir: string;
  /** Files kept; the least recently used beyond this are removed (each is ~15 MB). */
  maxEntries?: number;
  logger?: Logger;
  /** The process's tool runner: the header is built under the same sandbox policy as the compiles using it. */
  runner: ToolRunner;
}

export interface PchJob {
  toolchain: LbcToolchain;
  vmlinuxH: string;
  /** Validated user flags. */
  flags: readonly string[];
  /** The C text clang will compile. */
  source: string;
}

/**
 * Precompiled `lbc.h` (with the kernel's vmlinux.h and libbpf's headers in it),
 * built lazily once per target arch, vmlinux.h content, toolchain and C
 * standard, inside the same sandbox and at the same neutral paths as the
 * compiles that use it. Files appear by rename only, so concurrent builders
 * (threads or processes) never expose a partial one.
 */
export class PchCache {
  private readonly building = new Map<string, Promise<string | undefined>>();
  private readonly failedAt = new Map<string, number>();

  constructor(private readonly opts: PchCacheOptions) {}

  /**
   * The precompiled header this compile may start from, or undefined: it does
   * not fit the job (see pch-fit.ts) or cannot be had. Never throws.
   */
  async forJob(job: PchJob): Promise<string | undefined> {
    try {
      if (!startsWithLbcInclude(job.source)) return undefined;
      if (await headersMention(job.toolchain, job.vmlinuxH, flagMacroNames(job.flags))) return undefined;
      return await this.get(job.toolchain, job.vmlinuxH, flagStd(job.flags));
    } catch (err) {
      this.opts.logger?.warn({ err: (err as Error).message }, 'precompiled header unavailable');
      return undefined;
    }
  }

  /** Host path of the precompiled header for this toolchain, kernel and `-std=` flag ('' for none), built if missing. */
  async get(tc: LbcToolchain, vmlinuxH: string, std: string): Promise<string | undefined> {
    const key = await this.key(tc, vmlinuxH, std);
    const file = path.join(this.opts.dir, `${key}.pch`);
    if (await touch(file)) return file;
    const failed = this.failedAt.get(key);
    if (failed !== undefined && Date.now() - failed < RETRY_AFTER_MS) return undefined;
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.build(tc, vmlinuxH, std, file)
        .catch((err: unknown) => {
          this.opts.logger?.warn({ err: (err as Error).message }, 'precompiled header build failed');
          return undefined;
        })
        .then((built) => {
          if (!built) this.failedAt.set(key, Date.now());
          return built;
        })
        .finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    return pending;
  }

  private async key(tc: LbcToolchain, vmlinuxH: string, std: string): Promise<string> {
    const where = policyId(this.opts.runner.policy, tc.arch);
    const parts = [
      'surfhive-pch-v1',
      tc.arch,
      await kernelHeaderId(vmlinuxH),
      await toolchainId(tc),
      std,
      where,
    ];
    return createHash('sha256').update(parts.join('\0')).digest('hex');
  }

  private async build(tc: LbcToolchain, vmlinuxH: string, std: string, file: string): Promise<string> {
    await mkdir(this.opts.dir, { recursive: true });
    const work = await mkdtemp(path.join(this.opts.dir, '.build-'));
    try {
      const args = [
        ...(await bpfClangBaseArgs(tc)),
        ...(std ? [std] : []),
        '-x',
        'c-header',
        `${SANDBOX_INCLUDE}/lbc.h`,
        '-o',
        PCH_OUT,
      ];
      const res = await this.opts.runner.run(tc.clang, args, {
        confine: jobConfinement(work, includeMounts(tc, vmlinuxH), tc.arch),
        timeoutMs: BUILD_TIMEOUT_MS,
        maxOutputBytes: 64 * 1024,
        limits: clangLimits(BUILD_TIMEOUT_MS),
      });
      if (res.code !== 0) throw new Error(`clang exited ${res.code}: ${res.stderr.slice(0, 2000)}`);
      await rename(path.join(work, PCH_OUT), file);
      this.opts.logger?.info({ arch: tc.arch, ms: Math.round(res.durationMs) }, 'precompiled header built');
      await this.prune();
      return file;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Keeps the most recently used files. A job still using a removed one falls back to a normal compile. */
  private async prune(): Promise<void> {
    const max = this.opts.maxEntries ?? 32;
    const names = (await readdir(this.opts.dir)).filter((f) => f.endsWith('.pch'));
    if (names.length <= max) return;
    const dated = await Promise.all(
      names.map(async (f) => {
        const p = path.join(this.opts.dir, f);
        return { p, t: (await stat(p).catch(() => undefined))?.mtimeMs ?? 0 };
      }),
    );
    dated.sort((a, b) => b.t - a.t);
    await Promise.all(dated.slice(max).map((d) => rm(d.p, { force: true })));
  }
}

/** Marks a file as just used (for pruning); false when it does not exist. */
async function touch(file: string): Promise<boolean> {
  const now = new Date();
  return utimes(file, now, now).then(
    () => true,
    () => false,
  );
}
