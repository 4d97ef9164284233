import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SurfhiveError } from '../../errors/codes.js';
import { type ToolUse, toolTimeout } from '../../sandbox/tool-use.js';
import { nativeToolPath } from '../../util/package-root.js';
import { type DwfuncsListing, parseDwfuncsListing } from './dwfuncs-output.js';

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const GIB = 1024 ** 3;
/** A listing far beyond any real kernel's (Debian 6.1 vmlinux: ~6 MB). */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/**
 * Where the helper sits inside a sandbox: bound there from out/native under bubblewrap, built
 * into the docker sandbox image at the same path (docker/sandbox.Dockerfile).
 */
export const SANDBOX_DWFUNCS = '/lbc/bin/dwfuncs';

/** What each dwfuncs exit code means, as a client-safe error. */
function exitError(code: number | null, signal: string | null): SurfhiveError {
  switch (code) {
    case 3:
      return new SurfhiveError('BAD_INPUT_FILE', 'the input file cannot be read');
    case 4:
      return new SurfhiveError('BAD_ELF', 'the input is not a valid ELF file');
    case 5:
      return new SurfhiveError('BAD_INPUT_FILE', 'the ELF file has no DWARF debug info');
    case 6:
      return new SurfhiveError('BAD_ELF', 'the DWARF debug info of the ELF file is broken');
    default:
      return new SurfhiveError('TOOL_FAILED', `dwfuncs failed (${code ?? signal})`);
  }
}

/**
 * One run of the native dwfuncs helper (scripts/build-native.sh builds it) on
 * an ELF file; `arrays` adds the multi-dimensional array members (`-a`).
 */
export async function runDwfuncs(
  elfPath: string,
  opts: { arrays: boolean; timeoutMs?: number | undefined; tools: ToolUse },
): Promise<DwfuncsListing> {
  const { tools } = opts;
  const tool = nativeToolPath('dwfuncs');
  if (!existsSync(tool))
    throw new SurfhiveError('TOOL_FAILED', 'the dwfuncs helper is not built (run scripts/build-native.sh)');
  let size: number;
  try {
    size = (await stat(elfPath)).size;
  } catch (err) {
    throw new SurfhiveError('BAD_INPUT_FILE', 'the input file cannot be read', { cause: err });
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'surfhive-dwfuncs-'));
  try {
    const outFile = path.join(tmp, 'funcs.tsv');
    const timeoutMs = toolTimeout(tools, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const res = await tools.runner.run(SANDBOX_DWFUNCS, [...(opts.arrays ? ['-a'] : []), elfPath], {
      timeoutMs,
      signal: tools.signal,
      // The helper and its input, nothing else; its listing streams out to a host-side file.
      confine: {
        mounts: [
          { source: tool, dest: SANDBOX_DWFUNCS, toolchain: true },
          { source: elfPath, dest: elfPath },
        ],
        chdir: '/',
      },
      stdoutFile: outFile,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      // the input is mapped whole: leave room for it above libdw's own needs
      limits: { memoryBytes: size + 2 * GIB, cpuSeconds: timeoutMs / 1000 + 5 },
    });
    if (res.timedOut) throw new SurfhiveError('TOOL_TIMEOUT', `dwfuncs did not finish in ${timeoutMs} ms`);
    if (res.truncated) throw new SurfhiveError('TOOL_FAILED', 'dwfuncs printed more than any kernel needs');
    if (res.code !== 0) throw exitError(res.code, res.signal);
    return parseDwfuncsListing(await readFile(outFile, 'utf8'));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
