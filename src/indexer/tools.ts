import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runTool } from '../sandbox/exec.js';
import { type ToolUse, toolTimeout } from '../sandbox/tool-use.js';
import { packageVersion } from '../util/package-root.js';

const firstLine = async (cmd: string, args: string[]) => {
  try {
    const r = await runTool(cmd, args, { timeoutMs: 10_000 });
    return (r.stdout || r.stderr).split('\n')[0]?.trim() ?? '';
  } catch {
    return 'unavailable';
  }
};

/** Versions of the tools that shape a kernel's artifacts, recorded in its database (asked per build). */
export async function toolVersions(): Promise<Record<string, string>> {
  return {
    surfhive: packageVersion(),
    pahole: await firstLine('pahole', ['--version']),
    bpftool: await firstLine('bpftool', ['version']),
  };
}

const PAHOLE_TIMEOUT_MS = 20 * 60_000;

/**
 * BTF encoded from DWARF by pahole, with the flags the kernel's own build passes (but one thread); split on `baseBtf`
 * when given. pahole runs confined: it sees the input, the base and its output directory only.
 */
export async function encodeBtfFromDwarf(
  elf: string,
  outFile: string,
  baseBtf: string | undefined,
  tools: ToolUse,
): Promise<Buffer> {
  // No -j: pahole 1.24's threads emit types in whatever order they finish, so two runs on the
  // same vmlinux give different bytes (and duplicated types); one thread is reproducible and,
  // on a 2-core machine, no slower (bench/btf/pahole-determinism.sh).
  const args = ['-J', '--btf_gen_all', `--btf_encode_detached=${outFile}`];
  if (baseBtf) args.push(`--btf_base=${baseBtf}`);
  const outDir = path.dirname(outFile);
  await tools.runner.runOk('pahole', [...args, elf], {
    timeoutMs: toolTimeout(tools, PAHOLE_TIMEOUT_MS),
    signal: tools.signal,
    confine: {
      mounts: [
        { source: outDir, dest: outDir, writable: true },
        { source: elf, dest: elf },
        ...(baseBtf ? [{ source: baseBtf, dest: baseBtf }] : []),
      ],
      chdir: outDir,
    },
  });
  return readFile(outFile);
}
