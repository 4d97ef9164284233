import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { checkObject, kernelsFor } from '../../corecheck/check.js';
import { renderMatrix } from '../../corecheck/render-text.js';
import { checkArch, checkRelease } from '../../hive/names.js';
import { HiveRegistry } from '../../hive/registry.js';
import { ToolRunner } from '../../sandbox/exec.js';
import { policyFromConfig } from '../../sandbox/policy.js';

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
      const config = loadConfig(process.env, { hive: flags.hive });
      const registry = new HiveRegistry(config.hive, { watch: false, pollMs: 0 });
      await registry.start();
      try {
        const selection = {
          ...(flags.arch && { arch: checkArch(flags.arch) }),
          ...(flags.release && { release: checkRelease(flags.release) }),
          ...(flags.verPrefix && { verPrefix: flags.verPrefix }),
        };
        const file = path.resolve(object);
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
        if (m.summary.fails > 0) process.exitCode = 2;
      } finally {
        registry.close();
      }
    });
}
