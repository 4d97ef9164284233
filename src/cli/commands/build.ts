import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { checkArch, checkRelease, checkVer } from '../../hive/names.js';
import { buildLocalKernel } from '../../indexer/local-kernel.js';
import { buildKernel } from '../../indexer/pipeline.js';
import { createLogger } from '../../log/logger.js';
import { ToolRunner } from '../../sandbox/exec.js';
import { policyFromConfig } from '../../sandbox/policy.js';

interface BuildFlags {
  hive?: string;
  release?: string;
  arch?: string;
  ver?: string;
  modules?: string;
  local?: boolean;
  keepVmlinux?: boolean;
  force?: boolean;
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('publish one kernel into the hive from a debug vmlinux (DWARF) or a raw BTF file')
    .argument('[input]', 'ELF with DWARF, or raw BTF (/sys/kernel/btf/vmlinux, a BTFHub .btf)')
    .option('--hive <dir>', 'hive directory (env SURFHIVE_HIVE)')
    .option('--release <name>', 'release key such as anolis, debian, local')
    .option('--arch <arch>', 'x86_64 or aarch64')
    .option('--ver <ver>', 'kernel release exactly as uname -r prints it')
    .option('--modules <dir>', 'add every .ko, .ko.debug, .ko.xz, .ko.zst under this directory')
    .option('--local', "publish this machine's kernel from /sys/kernel/btf/vmlinux")
    .option('--keep-vmlinux', 'also keep the input vmlinux in the hive')
    .option('--force', 'rebuild even if the same input is already published')
    .action(async (input: string | undefined, flags: BuildFlags) => {
      const config = loadConfig(process.env, { hive: flags.hive });
      const logger = createLogger(config.logLevel);
      // pahole, the DWARF helper and bpftool run under the configured sandbox (SURFHIVE_SANDBOX)
      const tools = { runner: new ToolRunner(policyFromConfig(config)) };
      const started = Date.now();
      const result = flags.local
        ? await buildLocalKernel({ hive: config.hive, logger, force: flags.force ?? false, tools })
        : await buildKernel({
            hive: config.hive,
            key: {
              release: checkRelease(flags.release),
              arch: checkArch(flags.arch),
              ver: checkVer(flags.ver),
            },
            input: input ?? missing('INPUT'),
            modulesDir: flags.modules,
            keepVmlinux: flags.keepVmlinux ?? false,
            force: flags.force ?? false,
            logger,
            tools,
          });
      const k = result.key;
      const what = result.published ? 'published' : 'already published (same input)';
      process.stdout.write(
        `${k.arch}/${k.release}/${k.ver}: ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s` +
          (result.stats ? ` (${result.stats.structs} structs, ${result.stats.funcs} functions)` : '') +
          '\n',
      );
    });
}

function missing(what: string): never {
  throw new Error(`${what} is required (or use --local)`);
}
