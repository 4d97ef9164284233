import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../errors/codes.js';
import { runToolOk, type ToolRunner } from '../sandbox/exec.js';
import type { SelectedKernel } from './select.js';

/** The distro's own version when the kernel release names it (.el8, .an8, .fc38...), else major.minor. */
export function releaseVersion(ver: string): string {
  const distro = /\.(?:el|an|al|fc|amzn|oe|ky)(\d+)(?:[._]|$)/.exec(ver);
  if (distro) return distro[1]!;
  return /^(\d+\.\d+)/.exec(ver)?.[1] ?? ver;
}

/** BTFHub's layout: `<release>/<release version>/<arch>/<kernel>.btf`. */
export const bundlePath = (k: SelectedKernel) =>
  path.join(k.release, releaseVersion(k.ver), k.arch, `${k.ver}.btf`);

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** What bpftool sees: the object and one kernel's BTF read-only, an empty directory for its output. */
const SANDBOX_OBJECT = '/in/object.o';
const SANDBOX_BTF = '/in/vmlinux.btf';
const SANDBOX_OUT = '/out';
const MIN_BTF = 'min.btf';

/** `bpftool gen min_core_btf` of one kernel, confined, its output written to `out`. */
async function minCoreBtf(
  runner: ToolRunner,
  objectPath: string,
  btfPath: string,
  out: string,
  dir: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const scratch = await mkdtemp(path.join(dir, 'min-'));
  try {
    await runner.runOk(
      'bpftool',
      ['gen', 'min_core_btf', SANDBOX_BTF, path.posix.join(SANDBOX_OUT, MIN_BTF), SANDBOX_OBJECT],
      {
        confine: {
          mounts: [
            { source: objectPath, dest: SANDBOX_OBJECT },
            { source: btfPath, dest: SANDBOX_BTF },
            { source: scratch, dest: SANDBOX_OUT, writable: true },
          ],
          chdir: SANDBOX_OUT,
        },
        timeoutMs: 60_000,
        signal,
        maxOutputBytes: 64 * 1024,
        limits: { memoryBytes: 2 * 1024 * 1024 * 1024, fileBytes: 64 * 1024 * 1024 },
      },
    );
    await rename(path.join(scratch, MIN_BTF), out);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** bpftool runs at once: each is one core for a fraction of a second. */
const BUNDLE_PARALLEL = 2;

export interface BundleOptions {
  /** The process's configured runner: bpftool reads the uploaded object under its sandbox. */
  runner: ToolRunner;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

/**
 * Writes `<dir>/bundle.tar.xz`: for each kernel, the minimal BTF `bpftool gen min_core_btf`
 * keeps for the object, in BTFHub's layout. Returns the archive's path.
 */
export async function writeBundle(
  objectPath: string,
  kernels: SelectedKernel[],
  dir: string,
  opts: BundleOptions,
): Promise<string> {
  if (kernels.length === 0)
    throw new SurfhiveError('KERNEL_NOT_FOUND', 'the object loads on none of the selected kernels');
  const tree = path.join(dir, 'tree');
  // Kernels with byte-identical BTF (one kernel under several releases) share one bpftool run.
  const byContent = new Map<string, SelectedKernel[]>();
  for (const k of kernels) {
    const key = await fileSha256(k.btfPath);
    byContent.set(key, [...(byContent.get(key) ?? []), k]);
  }
  const groups = [...byContent.values()];
  let done = 0;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < groups.length; i = next++) {
      const [first, ...same] = groups[i]!;
      const out = path.join(tree, bundlePath(first!));
      await mkdir(path.dirname(out), { recursive: true });
      await minCoreBtf(opts.runner, objectPath, first!.btfPath, out, dir, opts.signal);
      for (const k of same) {
        const copy = path.join(tree, bundlePath(k));
        await mkdir(path.dirname(copy), { recursive: true });
        await copyFile(out, copy);
      }
      done += same.length + 1;
      opts.onProgress?.(done, kernels.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BUNDLE_PARALLEL, groups.length) }, worker));
  const archive = path.join(dir, 'bundle.tar.xz');
  await runToolOk('tar', ['-C', tree, '--owner=0', '--group=0', '--sort=name', '-cJf', archive, '.'], {
    timeoutMs: 120_000,
    signal: opts.signal,
    env: { PATH: '/usr/bin:/bin', LC_ALL: 'C', XZ_OPT: '-6 -T1' },
  });
  await rm(tree, { recursive: true, force: true });
  return archive;
}
