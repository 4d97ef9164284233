import { copyFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildIdOfElfFile } from '../buildid/elf-notes.js';
import { SurfhiveError } from '../errors/index.js';
import { withKernelLock } from '../hive/kernel-lock.js';
import { type ArtifactKind, artifactPath, type KernelKey } from '../hive/layout.js';
import { makeStagingDir, publishKernel } from '../hive/publish.js';
import { readKernelMeta } from '../kernel-db/read-meta.js';
import type { KernelRows } from '../kernel-db/rows.js';
import { writeKernelDb } from '../kernel-db/writer.js';
import type { Logger } from '../log/logger.js';
import { runToolOk } from '../sandbox/exec.js';
import { findOtherReleases } from './conflicts.js';
import { wrapBtfInElf } from './elf/wrap-btf.js';
import { sha256File } from './file-hash.js';
import { formatFuncList } from './funcs-export.js';
import { detectInputKind } from './input-kind.js';
import { kernelRowsFromInput } from './kernel-rows.js';
import { toolVersions } from './tool-versions.js';

export interface BuildKernelOptions {
  hive: string;
  key: KernelKey;
  input: string;
  modulesDir?: string | undefined;
  keepVmlinux: boolean;
  force: boolean;
  logger: Logger;
  /** Recorded in the database's meta (the build id of a raw-BTF input, the host's OS for `--local`). */
  extraMeta?: Record<string, string>;
}

export interface BuildStats {
  structs: number;
  types: number;
  funcs: number;
}

export interface BuildResult {
  key: KernelKey;
  published: boolean;
  stats?: BuildStats;
}

/**
 * Builds every artifact of one kernel in a staging directory inside the hive
 * and publishes them atomically. Re-running with the same input is a no-op.
 */
export async function buildKernel(opts: BuildKernelOptions): Promise<BuildResult> {
  const { hive, key, logger } = opts;
  const kind = await detectInputKind(opts.input);
  const inputSha = await sha256File(opts.input);
  return withKernelLock(hive, key, async () => {
    const current = readKernelMeta(artifactPath(hive, key, 'db'));
    if (
      !opts.force &&
      current?.input_sha256 === inputSha &&
      current.modules_dir === (opts.modulesDir ? 'yes' : 'no')
    ) {
      logger.info({ kernel: key }, 'same input already published');
      return { key, published: false };
    }
    for (const other of await findOtherReleases(hive, key)) {
      if (other.meta?.input_sha256 !== inputSha) {
        throw new SurfhiveError(
          'KERNEL_CONFLICT',
          `${key.arch}/${key.ver} already exists under release ${other.release} with different content`,
        );
      }
    }

    const txDir = await makeStagingDir(hive, 'build');
    try {
      const started = Date.now();
      const { rows, rawBtf } = await kernelRowsFromInput({
        input: opts.input,
        kind,
        arch: key.arch,
        modulesDir: opts.modulesDir,
        workDir: txDir,
        logger,
      });
      const buildId = kind === 'elf' ? await buildIdOfElfFile(opts.input) : undefined;
      const files = await writeArtifacts(txDir, key, rows, rawBtf, {
        ...opts.extraMeta,
        ...(buildId ? { build_id: buildId } : {}),
        input_sha256: inputSha,
        input_kind: kind,
        modules_dir: opts.modulesDir ? 'yes' : 'no',
        ...(await toolVersions()),
      });
      if (opts.keepVmlinux && kind === 'elf') {
        files.vmlinux = path.join(txDir, 'vmlinux');
        await copyFile(opts.input, files.vmlinux);
      }
      await publishKernel(hive, key, files, txDir);
      const stats = { structs: rows.structs.length, types: rows.types.length, funcs: rows.funcs.length };
      logger.info({ kernel: key, ...stats, ms: Date.now() - started }, 'kernel published');
      return { key, published: true, stats };
    } catch (err) {
      await rm(txDir, { recursive: true, force: true });
      throw err;
    }
  });
}

async function writeArtifacts(
  txDir: string,
  key: KernelKey,
  rows: KernelRows,
  rawBtf: Buffer,
  meta: Record<string, string>,
): Promise<Partial<Record<ArtifactKind, string>>> {
  const files = {
    btf: path.join(txDir, 'btf.elf'),
    head: path.join(txDir, 'vmlinux.h'),
    db: path.join(txDir, 'info.db'),
    funcs: path.join(txDir, 'funcs.tsv'),
  };
  await writeFile(files.btf, wrapBtfInElf(rawBtf, key.arch));
  await runToolOk('bpftool', ['btf', 'dump', 'file', files.btf, 'format', 'c'], {
    timeoutMs: 120_000,
    stdoutFile: files.head,
    cwd: txDir,
  });
  writeKernelDb(files.db, rows, {
    ...meta,
    arch: key.arch,
    release: key.release,
    ver: key.ver,
    built_at: new Date().toISOString(),
  });
  await writeFile(files.funcs, formatFuncList(rows.funcs));
  return files;
}
