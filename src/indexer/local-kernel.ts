import { existsSync } from 'node:fs';
import os from 'node:os';
import { hostOsMeta } from '../btfhub/host-os.js';
import { buildIdOfRunningKernel } from '../buildid/elf-notes.js';
import { SurfhiveError } from '../errors/codes.js';
import { checkVer, normalizeArch } from '../hive/names.js';
import type { Logger } from '../log/logger.js';
import type { ToolUse } from '../sandbox/tool-use.js';
import { type BuildResult, buildKernel } from './pipeline.js';

export const LOCAL_BTF = '/sys/kernel/btf/vmlinux';
export const LOCAL_RELEASE = 'local';

/** Publishes the running kernel from its own BTF under release `local`. */
export async function buildLocalKernel(opts: {
  hive: string;
  logger: Logger;
  force?: boolean;
  btfFile?: string;
  /** The running kernel's notes (its build id); by default /sys/kernel/notes when the BTF is the running kernel's. */
  notesFile?: string;
  /** The process's runner (bpftool runs under it). */
  tools: ToolUse;
}): Promise<BuildResult> {
  const input = opts.btfFile ?? LOCAL_BTF;
  if (!existsSync(input)) {
    throw new SurfhiveError('BAD_INPUT_FILE', `this kernel exposes no BTF at ${LOCAL_BTF}`);
  }
  const notes = opts.notesFile ?? (opts.btfFile === undefined ? '/sys/kernel/notes' : undefined);
  const buildId = notes ? await buildIdOfRunningKernel(notes) : undefined;
  return buildKernel({
    hive: opts.hive,
    key: { arch: normalizeArch(os.machine()), release: LOCAL_RELEASE, ver: checkVer(os.release()) },
    input,
    keepVmlinux: false,
    force: opts.force ?? false,
    logger: opts.logger,
    tools: opts.tools,
    extraMeta: { ...(await hostOsMeta()), ...(buildId ? { build_id: buildId } : {}) },
  });
}
