import { rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { SurfhiveError } from '../../errors/codes.js';
import { checkModuleName } from '../../hive/names.js';
import { type ToolUse, toolTimeout } from '../../sandbox/tool-use.js';
import type { ModuleFile } from './find.js';

export interface PreparedModule {
  name: string;
  /** An uncompressed ELF: the module file itself, or its decompressed copy in the work directory. */
  elfPath: string;
}

export interface PrepareOptions {
  /** Largest decompressed module accepted (against compression bombs). Default 1 GiB. */
  maxBytes?: number;
  timeoutMs?: number;
  /** The runner and job deadline the decompressor runs under. */
  tools: ToolUse;
}

const DEFAULT_MAX_BYTES = 1024 ** 3;
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/** The decompressor command line: the tool itself writes `out`, so prlimit's file-size cap applies to it. */
function decompressCommand(file: ModuleFile, link: string, out: string): [string, string[]] {
  if (file.compression === 'zst') return ['zstd', ['-d', '-q', '-f', '--no-progress', '-o', out, file.path]];
  // xz cannot name its output: it decompresses a symlink <out>.xz next to itself
  return ['xz', ['--decompress', '--keep', '--force', '--quiet', '--memlimit-decompress=512MiB', link]];
}

/**
 * Makes a found module readable as ELF: compressed ones are decompressed into
 * `workDir` as `<name>.ko`, with a size cap and a timeout.
 */
export async function prepareModule(
  file: ModuleFile,
  workDir: string,
  opts: PrepareOptions,
): Promise<PreparedModule> {
  const name = checkModuleName(file.name);
  if (file.compression === 'none') return { name, elfPath: file.path };
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const { tools } = opts;
  const timeoutMs = toolTimeout(tools, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const out = path.join(workDir, `${name}.ko`);
  const link = `${out}.xz`;
  await rm(out, { force: true });
  await rm(link, { force: true });
  if (file.compression === 'xz') await symlink(file.path, link);
  const [cmd, args] = decompressCommand(file, link, out);
  try {
    const inputDir = path.dirname(file.path);
    const res = await tools.runner.run(cmd, args, {
      // The compressed file's directory (read-only) and the output directory: nothing else.
      confine: {
        mounts: [
          ...(inputDir === workDir ? [] : [{ source: inputDir, dest: inputDir }]),
          { source: workDir, dest: workDir, writable: true },
        ],
        chdir: workDir,
      },
      signal: tools.signal,
      timeoutMs,
      limits: { fileBytes: maxBytes, cpuSeconds: timeoutMs / 1000 + 5 },
    });
    if (res.timedOut) throw new SurfhiveError('TOOL_TIMEOUT', `decompressing module ${name} took too long`);
    const size = (await stat(out).catch(() => undefined))?.size;
    // past the cap the kernel sends SIGXFSZ (or the write fails with EFBIG)
    const capped = res.signal === 'SIGXFSZ' || /File too large/i.test(res.stderr);
    if (capped || (size !== undefined && size >= maxBytes))
      throw new SurfhiveError('BAD_ARCHIVE', `module ${name} decompresses to more than ${maxBytes} bytes`);
    if (res.code !== 0 || size === undefined)
      throw new SurfhiveError('BAD_ARCHIVE', `module ${name} cannot be decompressed`);
    return { name, elfPath: out };
  } catch (err) {
    await rm(out, { force: true });
    throw err;
  } finally {
    await rm(link, { force: true });
  }
}
