import os from 'node:os';
import type { Command } from 'commander';
import { SettingError } from '../../config/config.js';
import { ARCHES, normalizeArch } from '../../hive/names.js';
import { archArg, commandLogger, existingPath, loadSettings, releaseArg, verArg } from '../settings.js';

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
      const { config } = loadSettings(flags);
      const job = flags.local ? localJob(input, flags) : inputJob(input, flags);
      const logger = commandLogger(config);
      const [{ buildLocalKernel }, { buildKernel }, { ToolRunner }, { policyFromConfig }] = await Promise.all(
        [
          import('../../indexer/local-kernel.js'),
          import('../../indexer/pipeline.js'),
          import('../../sandbox/exec.js'),
          import('../../sandbox/policy.js'),
        ],
      );
      // pahole, the DWARF helper and bpftool run under the configured sandbox (SURFHIVE_SANDBOX)
      const tools = { runner: new ToolRunner(policyFromConfig(config)) };
      const started = Date.now();
      const result =
        job.kind === 'local'
          ? await buildLocalKernel({ hive: config.hive, logger, force: flags.force ?? false, tools })
          : await buildKernel({
              hive: config.hive,
              key: job.key,
              input: job.input,
              modulesDir: job.modulesDir,
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

/** `--local` builds this machine's kernel: flags that would name another kernel are refused, not ignored. */
function localJob(input: string | undefined, flags: BuildFlags) {
  const here = normalizeArch(os.machine());
  if (flags.arch !== undefined && archArg(flags.arch) !== here)
    throw new SettingError(
      '--arch',
      `${flags.arch} is not this machine's arch (${here}); --local builds this machine's kernel`,
    );
  for (const [name, given] of [
    ['--release', flags.release],
    ['--ver', flags.ver],
    ['--modules', flags.modules],
    ['INPUT', input],
  ] as const)
    if (given !== undefined)
      throw new SettingError(name, "does not go with --local (which reads this machine's kernel)");
  return { kind: 'local' as const };
}

function inputJob(input: string | undefined, flags: BuildFlags) {
  const missing = (name: string, what: string) =>
    new SettingError(name, `is missing: ${what} (or --local for this machine's kernel)`);
  if (flags.release === undefined) throw missing('--release', 'the release key, such as debian or anolis');
  if (flags.arch === undefined) throw missing('--arch', `the kernel's arch, ${ARCHES.join(' or ')}`);
  if (flags.ver === undefined) throw missing('--ver', 'the kernel release exactly as uname -r prints it');
  if (input === undefined) throw missing('INPUT', 'a debug vmlinux (DWARF) or a raw BTF file');
  return {
    kind: 'input' as const,
    key: {
      release: releaseArg(flags.release, '--release'),
      arch: archArg(flags.arch),
      ver: verArg(flags.ver, '--ver'),
    },
    input: existingPath(input, 'INPUT', 'file'),
    modulesDir:
      flags.modules === undefined ? undefined : existingPath(flags.modules, '--modules', 'directory'),
  };
}
