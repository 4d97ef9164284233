import path from 'node:path';
import type { Command } from 'commander';
import { SettingError } from '../../config/config.js';
import { SurfhiveError } from '../../errors/codes.js';
import { hostArch } from '../../hive/layout.js';
import type { Candidate } from '../../ingest/candidate.js';
import { MirrorFault } from '../../ingest/http.js';
import type { IngestJobData, IngestResult } from '../../ingest/run.js';
import { resolveUname } from '../../ingest/uname.js';
import { ProgressPrinter, type ProgressView } from '../progress-view.js';
import { archArg, commandLogger, knownRelease, loadSettings, releaseArg, verArg } from '../settings.js';

interface IngestFlags {
  hive?: string;
  arch?: string;
  mirror: string[];
  list?: boolean;
  keepPackage?: boolean;
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
    .option(
      '--keep-package',
      'keep the downloaded package under <hive>/<arch>/pack/ (default: dropped once published)',
    )
    .option('--force', 'rebuild even if the kernel is already in the hive')
    .option('--modules', 'also index the module debug files (slow: one pahole run per module)')
    .action(async (releaseGiven: string, versionGiven: string | undefined, flags: IngestFlags) => {
      // every mistake on the command line or in the environment is found before the network is
      const { config, catalog, mirrors } = loadSettings(flags);
      let arch = flags.arch === undefined ? hostArch() : archArg(flags.arch);
      let release = releaseArg(releaseGiven, 'RELEASE');
      let version = versionGiven;
      let alsoTry: string[] = [];
      if (flags.list) {
        if (release === 'auto') throw new SettingError('--list', 'needs a release key, not auto');
        if (version !== undefined) throw new SettingError('VERSION', 'does not go with --list');
      } else if (release === 'auto') {
        const found = resolveUname(verArg(version, 'VERSION'), {
          catalog,
          arch: flags.arch === undefined ? undefined : arch,
          order: config.releaseOrder,
        });
        process.stderr.write(`${version}: ${found.candidates.join(', ')} (${found.arch})\n`);
        release = found.release;
        alsoTry = found.candidates.slice(1);
        version = found.version;
        arch = found.arch;
      } else {
        if (version === undefined)
          throw new SettingError(
            'VERSION',
            'is missing: give a version to ingest, or --list to see what the mirror offers',
          );
        version = verArg(version, 'VERSION');
      }
      knownRelease(release, catalog, 'RELEASE');
      const net = {
        fetch: { stallMs: config.mirrorTimeoutMs },
        retry: { retries: config.mirrorRetries },
        download: { stallTimeoutMs: config.mirrorTimeoutMs, retries: config.mirrorRetries },
      };
      const [{ listPackages }, { runIngest }, { recoverHive }, { ToolRunner }, { policyFromConfig }] =
        await Promise.all([
          import('../../ingest/resolve.js'),
          import('../../ingest/run.js'),
          import('../../hive/publish.js'),
          import('../../sandbox/exec.js'),
          import('../../sandbox/policy.js'),
        ]);
      // decompressors, pahole, the DWARF helper and bpftool run under the configured sandbox
      const runner = new ToolRunner(policyFromConfig(config));
      try {
        if (flags.list) {
          printList(await listPackages({ release, arch, mirrors, catalog, runner, ...net }), release, arch);
          return;
        }
        await recoverHive(config.hive);
        const data: IngestJobData = {
          release,
          version: version!,
          arch,
          mirrors,
          keepPackage: flags.keepPackage ?? false,
          force: flags.force ?? false,
          modules: flags.modules ?? false,
          alsoTry,
        };
        const result = await withInterrupt((signal) => {
          const view = new ProgressPrinter(process.stderr);
          return runIngest(
            { hive: config.hive, catalog, runner, logger: commandLogger(config), ...net },
            {
              id: 'cli',
              attempt: 1,
              signal,
              data,
              log: async (line) => view.line(line),
              progress: async (p) => view.update(p as ProgressView),
            },
          ).finally(() => view.finish());
        });
        printResult(result, config.hive);
      } catch (err) {
        throw err instanceof MirrorFault
          ? new SurfhiveError(err.kind, `${err.message}; to use another mirror: --mirror ${release}=URL`)
          : err;
      }
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

/** A table with a header: the kernels that can be ingested, the package each comes from and where. */
function printList(cands: Candidate[], release: string, arch: string): void {
  if (cands.length === 0) {
    process.stderr.write(`surfhive: the mirror offers no ${release} kernel debuginfo package for ${arch}\n`);
    return;
  }
  const rows = [
    ['KERNEL (uname -r)', 'PACKAGE', 'VERSION', 'SIZE', 'REPOSITORY'],
    ...cands.map((c) => [
      c.ver,
      c.pkg.name,
      `${c.pkg.version}${c.pkg.release ? `-${c.pkg.release}` : ''}`,
      c.size ? `${(c.size / 1024 / 1024).toFixed(1)} MB` : '?',
      c.repo ?? '',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((cell, i) => (i === 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd()}\n`,
    );
}

/** The one summary line. */
function printResult(r: IngestResult, hive: string): void {
  const k = r.kernel;
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const t = r.timings;
  const name = `${k.arch}/${k.release}/${k.ver}`;
  if (!r.published) {
    process.stdout.write(`${name}: already in the hive (--force rebuilds)\n`);
    return;
  }
  const stats = r.stats ? ` (${r.stats.structs} structs, ${r.stats.funcs} functions)` : '';
  const phases =
    `resolve ${secs(t.resolveMs)}, download ${secs(t.downloadMs)}, extract ${secs(t.extractMs)}` +
    `${r.overlapped ? ' (overlapping the download)' : ''}, build ${secs(t.buildMs)}, publish ${secs(t.publishMs)}`;
  const pack = r.package?.kept
    ? `package kept in ${path.join(path.relative(process.cwd(), hive) || '.', k.arch, 'pack', k.release)}/`
    : 'package dropped (--keep-package keeps it)';
  process.stdout.write(`${name}: published in ${secs(t.totalMs)}${stats}; ${phases}; ${pack}\n`);
}
