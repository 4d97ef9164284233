import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ToolRunner } from '../sandbox/exec.js';
import type { Candidate } from './candidate.js';
import { extractDeb } from './extract-deb.js';
import { DEFAULT_CAPS, type ExtractCaps } from './extract-policy.js';
import { extractRpm } from './extract-rpm.js';
import { type ExtractedFiles, KernelSink } from './extract-sink.js';

/** What to take out of a package: a Candidate fits; `pkg` (when given) must match the archive's own header. */
export type ExtractTarget = Pick<Candidate, 'format' | 'ver' | 'layout'> & { pkg?: Candidate['pkg'] };

export interface ExtractOptions {
  caps: ExtractCaps;
  /** The process's runner: the decompressors run under its configured sandbox. */
  runner: ToolRunner;
  signal?: AbortSignal | undefined;
}

export interface ExtractedKernel extends ExtractedFiles {
  /** The directory made for this extraction (inside tmpDir); the caller removes it when done. */
  dir: string;
}

/** Extracts vmlinux (and module debug files) from a downloaded package file. */
export function extractKernel(
  packagePath: string,
  target: ExtractTarget,
  tmpDir: string,
  caps: Partial<ExtractCaps> = {},
  opts: Omit<ExtractOptions, 'caps'>,
): Promise<ExtractedKernel> {
  return extractKernelStream(
    createReadStream(packagePath, { highWaterMark: 1024 * 1024 }),
    target,
    tmpDir,
    caps,
    opts,
  );
}

/**
 * Extracts from a byte stream read once from start to end (never seeking), so a download
 * can feed it while it arrives. Writes only inside a fresh directory under tmpDir, removed on failure.
 */
export async function extractKernelStream(
  input: AsyncIterable<Buffer>,
  target: ExtractTarget,
  tmpDir: string,
  caps: Partial<ExtractCaps> = {},
  opts: Omit<ExtractOptions, 'caps'>,
): Promise<ExtractedKernel> {
  const full: ExtractOptions = { ...opts, caps: { ...DEFAULT_CAPS, ...caps } };
  await fs.mkdir(tmpDir, { recursive: true });
  const dir = await fs.mkdtemp(path.join(tmpDir, 'extract-'));
  try {
    const sink = new KernelSink(dir, target.layout, full.caps);
    if (target.format === 'rpm') await extractRpm(input, target, sink, full);
    else await extractDeb(input, target, sink, full);
    return { dir, ...sink.result(target.ver) };
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  } finally {
    (input as { destroy?: () => void }).destroy?.();
  }
}
