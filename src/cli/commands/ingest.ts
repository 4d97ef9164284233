import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { SurfhiveError } from '../../errors/codes.js';
import { hostArch } from '../../hive/layout.js';
import { checkRelease, normalizeArch } from '../../hive/names.js';
import { recoverHive } from '../../hive/publish.js';
import { parseMirrorArgs } from '../../ingest/catalog.js';
import { loadCatalog } from '../../ingest/catalog-file.js';
import { listPackages } from '../../ingest/resolve.js';
import { type IngestResult, runIngest } from '../../ingest/run.js';
import { resolveUname } from '../../ingest/uname.js';
import { createLogger } from '../../log/logger.js';
import { ToolRunner } from '../../sandbox/exec.js';
import { policyFromConfig } from '../../sandbox/policy.js';
import { ProgressPrinter, type ProgressView } from '../progress-view.js';

interface IngestFlags {
  hive?: string;
  arch?: string;
  mirror: string[];
  list?: boolean;
  dropPackage?: boolean;
  force?: boolean;
  modules?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description("download a distribution's kernel debuginfo package and publish that kernel into the hive")
    .argument(
      '<release>',
      'release key such as anolis, centos, ubuntu, debian; `auto` finds it from uname -r',
    )
    .argument(
      '[version]',
      'short (4.19.91-23.4) or full uname -r; ambiguous versions list the candidates; with `auto`: uname -r',
    )
    .option('--hive <dir>', 'hive directory (env SURFHIVE_HIVE)')
    .option('--arch <arch>', 'x86_64 or aarch64 (default: this machine)')
    .option(
      '--mirror <RELEASE=URL>',
      'use this mirror for a release (repeatable; RELEASE.BASE=URL for one base)',
      collect,
      [],
    )
    .option('--list', 'list the kernels the mirror offers for <release>')
    .option('--drop-package', 'do not keep the downloaded package under <hive>/<arch>/pack/')
    .option('--force', 'rebuild even if the kernel is already in the hive')
    .option('--modules', 'also index the module debug files (slow: one pahole run per module)')
    .action(async (releaseArg: string, version: string | undefined, flags: IngestFlags) => {
      const config = loadConfig(process.env, { hive: flags.hive });
      let arch = flags.arch === undefined ? hostArch() : normalizeArch(flags.arch);
      const mirrors = { ...parseMirrorArgs(config.mirrors), ...parseMirrorArgs(flags.mirror) };
      const catalog = loadCatalog(config.catalogFile);
      // decompressors, pahole, the DWARF helper and bpftool run under the configured sandbox
      const runner = new ToolRunner(policyFromConfig(config));
      let release = checkRelease(releaseArg);
      let alsoTry: string[] = [];
      if (release === 'auto' && !flags.list) {
        const found = resolveUname(version, {
          catalog,
          arch: flags.arch === undefined ? undefined : arch,
          order: config.releaseOrder,
        });
        process.stderr.write(`${version}: ${found.candidates.join(', ')} (${found.arch})\n`);
        release = found.release;
        alsoTry = found.candidates.slice(1);
        version = found.version;
        arch = found.arch;
      }
      if (flags.list) {
        for (const c of await listPackages({ release, arch, mirrors, catalog, runner })) {
          const size = c.size ? `${(c.size / 1024 / 1024).toFixed(1)} MB` : '?';
          process.stdout.write(
            `${c.ver}\t${c.pkg.name} ${c.pkg.version}${c.pkg.release ? `-${c.pkg.release}` : ''}\t${size}\n`,
          );
        }
        return;
      }
      if (version === undefined)
        throw new SurfhiveError(
          'INVALID_FIELD',
          'give a version to ingest, or --list to see what the mirror offers',
        );
      await recoverHive(config.hive);
      const result = await withInterrupt((signal) => {
        const view = new ProgressPrinter(process.stderr);
        return runIngest(
          {
            hive: config.hive,
            catalog,
            runner,
            logger: createLogger(process.env.SURFHIVE_LOG_LEVEL ?? 'warn'),
          },
          {
            id: 'cli',
            attempt: 1,
            signal,
            data: {
              release,
              version,
              arch,
              mirrors,
              keepPackage: !flags.dropPackage,
              force: flags.force ?? false,
              modules: flags.modules ?? false,
              alsoTry,
            },
            log: async (line) => view.line(line),
            progress: async (p) => view.update(p as ProgressView),
          },
        ).finally(() => view.clear());
      });
      printResult(result);
    });
}

/** Ctrl-C cancels the ingest (its scratch files are removed); a second one exits at once. */
async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort(new SurfhiveError('DOWNLOAD_FAILED', 'interrupted'));
  };
  process.on('SIGINT', onSigint);
  try {
    return await fn(abort.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function printResult(r: IngestResult): void {
  const k = r.kernel;
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const t = r.timings;
  const what = r.published ? 'published' : 'already in the hive';
  const stats = r.stats ? ` (${r.stats.structs} structs, ${r.stats.funcs} functions)` : '';
  process.stdout.write(`${k.arch}/${k.release}/${k.ver}: ${what} in ${secs(t.totalMs)}${stats}\n`);
  if (r.package)
    process.stdout.write(
      `phases: resolve ${secs(t.resolveMs)}, download ${secs(t.downloadMs)}, ` +
        `extract ${secs(t.extractMs)}${r.overlapped ? ' (overlapping the download)' : ''}, build ${secs(t.buildMs)}\n`,
    );
}
