import type { Command } from 'commander';
import { archArg, existingPath, loadSettings, releaseArg } from '../settings.js';

interface CoreCheckFlags {
  hive?: string;
  arch?: string;
  release?: string;
  verPrefix?: string;
  json?: boolean;
}

/** `surfhive core-check prog.bpf.o`: the CO-RE matrix of an object over the hive's kernels, in the terminal. */
export function registerCoreCheck(program: Command): void {
  program
    .command('core-check')
    .argument('<object>', 'a BPF object compiled with clang -target bpf -g')
    .description('resolve the CO-RE relocations of a BPF object against every selected kernel of the hive')
    .option('--hive <dir>', 'hive directory (env SURFHIVE_HIVE)')
    .option('--arch <arch>', 'x86_64 or aarch64 (default: the arch the object shows, else all)')
    .option('--release <name>', 'only kernels of this release')
    .option('--ver-prefix <prefix>', 'only kernels whose version starts with this')
    .option('--json', 'print the matrix as JSON')
    .action(async (object: string, flags: CoreCheckFlags) => {
      const { config } = loadSettings(flags);
      const selection = {
        ...(flags.arch && { arch: archArg(flags.arch) }),
        ...(flags.release && { release: releaseArg(flags.release, '--release') }),
        ...(flags.verPrefix && { verPrefix: flags.verPrefix }),
      };
      const file = existingPath(object, 'OBJECT', 'file');
      const [
        { checkObject, kernelsFor },
        { renderMatrix },
        { HiveRegistry },
        { ToolRunner },
        { policyFromConfig },
      ] = await Promise.all([
        import('../../corecheck/check.js'),
        import('../../corecheck/render-text.js'),
        import('../../hive/registry.js'),
        import('../../sandbox/exec.js'),
        import('../../sandbox/policy.js'),
      ]);
      const registry = new HiveRegistry(config.hive, { watch: false, pollMs: 0 });
      await registry.start();
      try {
        // the helper reads the object under the configured sandbox (SURFHIVE_SANDBOX)
        const runner = new ToolRunner(policyFromConfig(config));
        const m = await checkObject(file, await kernelsFor(registry, file, selection, runner), {
          runner,
          onProgress: (done, total) => {
            if (process.stderr.isTTY) process.stderr.write(`\r${done}/${total} kernels`);
          },
        });
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        process.stdout.write(flags.json ? `${JSON.stringify(m)}\n` : renderMatrix(m));
        // 1: the object fails somewhere (2 is kept for mistakes on the command line)
        if (m.summary.fails > 0) process.exitCode = 1;
      } finally {
        registry.close();
      }
    });
}
