import { copyFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildIdOfElfFile } from '../buildid/elf-notes.js';
import { SurfhiveError } from '../errors/codes.js';
import { wrapBtfInElf } from '../formats/elf/wrap-btf.js';
import { recordPublishedKernel } from '../history/index-keeper.js';
import { type ArtifactKind, artifactPath, type KernelKey } from '../hive/layout.js';
import { makeStagingDir, publishKernel, withKernelLock } from '../hive/publish.js';
import { sha256File } from '../hive/same-content.js';
import { readKernelMeta, writeKernelDb } from '../kernel-db/db-file.js';
import type { FuncRow, KernelRows } from '../kernel-db/rows.js';
import type { Logger } from '../log/logger.js';
import { type ToolUse, toolTimeout } from '../sandbox/tool-use.js';
import { detectInputKind, type InputKind } from './input-kind.js';
import { kernelRowsFromInput } from './kernel-rows.js';
import { toolVersions } from './tools.js';

export interface BuildKernelOptions {
  hive: string;
  key: KernelKey;
  input: string;
  modulesDir?: string | undefined;
  keepVmlinux: boolean;
  logger: Logger;
  /** The process's runner (its configured sandbox) and the job's deadline: every tool of the build runs under it. */
  tools: ToolUse;
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
  /** Writing the artifacts and the atomic rename into the hive, ms (when published). */
  publishMs?: number;
}

const BPFTOOL_TIMEOUT_MS = 120_000;
/** vmlinux.h of a real kernel is a few MB (Debian 6.1: 3.4 MB); past this the BTF is not a kernel's. */
const MAX_HEADER_BYTES = 256 * 1024 * 1024;

/**
 * The one "already published" rule. With `inputSha256` (a build from a given file): that
 * same input with the same module choice is published. Without (an ingest, before its
 * download): the kernel is published, with modules when they are wanted.
 */
export function isPublished(
  hive: string,
  key: KernelKey,
  want: { modules: boolean; inputSha256?: string },
): boolean {
  const meta = readKernelMeta(artifactPath(hive, key, 'db'));
  if (!meta) return false;
  if (want.inputSha256 === undefined) return !want.modules || meta.modules_dir === 'yes';
  return meta.input_sha256 === want.inputSha256 && meta.modules_dir === (want.modules ? 'yes' : 'no');
}

/**
 * `surfhive build`: under the kernel's lock, builds and publishes unless the same input is
 * already published (`force` rebuilds).
 */
export async function buildKernel(opts: BuildKernelOptions & { force: boolean }): Promise<BuildResult> {
  const { hive, key, logger } = opts;
  const kind = await detectInputKind(opts.input);
  const inputSha256 = await sha256File(opts.input);
  return withKernelLock(hive, key, 'built', async () => {
    if (!opts.force && isPublished(hive, key, { modules: Boolean(opts.modulesDir), inputSha256 })) {
      logger.info({ kernel: key }, 'same input already published');
      return { key, published: false };
    }
    return buildKernelLocked({ ...opts, kind, inputSha256 });
  });
}

/**
 * Builds every artifact of one kernel in a staging directory inside the hive and publishes
 * them atomically. The caller holds the kernel's lock (`withKernelLock`).
 */
export async function buildKernelLocked(
  opts: BuildKernelOptions & { kind?: InputKind; inputSha256?: string },
): Promise<BuildResult & { published: true; publishMs: number }> {
  const { hive, key, logger } = opts;
  const kind = opts.kind ?? (await detectInputKind(opts.input));
  const inputSha = opts.inputSha256 ?? (await sha256File(opts.input));
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
      tools: opts.tools,
    });
    const buildId = kind === 'elf' ? await buildIdOfElfFile(opts.input) : undefined;
    const files = await writeArtifacts(txDir, key, rows, rawBtf, opts.tools, {
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
    const publishStart = Date.now();
    await publishKernel(hive, key, files, txDir);
    const publishMs = Date.now() - publishStart;
    await recordPublishedKernel(hive, key, logger);
    const stats = { structs: rows.structs.length, types: rows.types.length, funcs: rows.funcs.length };
    // a job's logger already names its kernel: pino would write the key twice
    const named = 'kernel' in logger.bindings() ? {} : { kernel: key };
    logger.info({ ...named, ...stats, ms: Date.now() - started }, 'kernel published');
    return { key, published: true, stats, publishMs };
  } catch (err) {
    await rm(txDir, { recursive: true, force: true });
    throw err;
  }
}

async function writeArtifacts(
  txDir: string,
  key: KernelKey,
  rows: KernelRows,
  rawBtf: Buffer,
  tools: ToolUse,
  meta: Record<string, string>,
): Promise<Partial<Record<ArtifactKind, string>>> {
  const files = {
    btf: path.join(txDir, 'btf.elf'),
    head: path.join(txDir, 'vmlinux.h'),
    db: path.join(txDir, 'info.db'),
    funcs: path.join(txDir, 'funcs.tsv'),
  };
  await writeFile(files.btf, wrapBtfInElf(rawBtf, key.arch));
  // bpftool reads the BTF (from a download or an upload) confined: it sees that one file, read-only,
  // and its header streams out to a host-side file.
  const dump = await tools.runner.runOk('bpftool', ['btf', 'dump', 'file', files.btf, 'format', 'c'], {
    timeoutMs: toolTimeout(tools, BPFTOOL_TIMEOUT_MS),
    signal: tools.signal,
    stdoutFile: files.head,
    maxOutputBytes: MAX_HEADER_BYTES,
    confine: { mounts: [{ source: files.btf, dest: files.btf }], chdir: '/' },
  });
  if (dump.truncated)
    throw new SurfhiveError('BAD_BTF', 'the BTF dumps to a header larger than any kernel has');
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

/** The same (arch, ver) published under releases other than key.release, with their build facts. */
export async function findOtherReleases(hive: string, key: KernelKey) {
  const releases = await readdir(path.join(hive, key.arch, 'db')).catch(() => [] as string[]);
  const found: { release: string; meta: Record<string, string> | undefined }[] = [];
  for (const release of releases) {
    if (release === key.release) continue;
    const db = artifactPath(hive, { ...key, release }, 'db');
    const meta = readKernelMeta(db);
    if (meta !== undefined) found.push({ release, meta });
  }
  return found;
}

const clean = (s: string) => s.replace(/[\t\n\r]/g, ' ');

/** The `funcs/` export: one tab-separated line per function, with a header line. */
export function formatFuncList(funcs: FuncRow[]): string {
  const lines = ['# func\tret\targs\tfile\tline\tmodule'];
  for (const f of funcs) {
    lines.push([f.func, f.ret, f.args.join(', '), f.file, String(f.line), f.module].map(clean).join('\t'));
  }
  return lines.join('\n') + '\n';
}
