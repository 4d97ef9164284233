import type { HiveRegistry } from '../hive/registry.js';
import type { ToolRunner } from '../sandbox/exec.js';
import { kernelOutcome, summarize } from './matrix.js';
import { type NativeKernelLine, runCorecheck } from './native.js';
import { type SelectedKernel, selectKernels } from './select.js';
import type { CoreMatrix, KernelOutcome, KernelSelection } from './types.js';

export interface CheckOptions {
  /** The process's configured runner: the helper runs under its sandbox. */
  runner: ToolRunner;
  signal?: AbortSignal;
  /** Kernels done so far, as they finish. */
  onProgress?(done: number, total: number): void;
}

/** Fixed start-up allowance plus a per-kernel budget far above the measured few milliseconds. */
const timeoutFor = (kernels: number) => 10_000 + kernels * 200;

/** The CO-RE matrix of one object over the selected kernels: one helper process for all of them. */
export async function checkObject(
  objectPath: string,
  kernels: SelectedKernel[],
  opts: CheckOptions,
): Promise<CoreMatrix> {
  const lines: NativeKernelLine[] = [];
  const object = await runCorecheck(
    objectPath,
    kernels.map((k) => k.btfPath),
    {
      runner: opts.runner,
      timeoutMs: timeoutFor(kernels.length),
      signal: opts.signal,
      onKernel: (line) => {
        lines.push(line);
        opts.onProgress?.(lines.length, kernels.length);
      },
    },
  );
  const outcomes: KernelOutcome[] = lines.map((line) => {
    const { btfPath: _path, ...ref } = kernels[line.index]!;
    return kernelOutcome(object, ref, line);
  });
  return { object, kernels: outcomes, summary: summarize(outcomes) };
}

/**
 * The kernels to check: the selection, defaulting to the arch the object shows (its pt_regs)
 * when no arch is given, and to every arch when it shows none.
 */
export async function kernelsFor(
  registry: HiveRegistry,
  objectPath: string,
  sel: KernelSelection,
  runner: ToolRunner,
): Promise<SelectedKernel[]> {
  if (sel.arch) return selectKernels(registry, sel);
  const info = await runCorecheck(objectPath, [], { runner, timeoutMs: 10_000, onKernel: () => {} });
  return selectKernels(registry, { ...sel, ...(info.arch && { arch: info.arch }) });
}
