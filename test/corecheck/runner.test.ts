// The CO-RE check and the BTF bundle read an uploaded object: the corecheck helper and bpftool
// run through the ToolRunner the service is given (the process's configured one), seeing only
// the object and the kernels' BTF read-only, and bpftool an empty output directory.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import { SANDBOX_CORECHECK } from '../../src/corecheck/native.js';
import { CoreCheckService } from '../../src/corecheck/service.js';
import { HiveRegistry } from '../../src/hive/registry.js';
import { createLogger } from '../../src/log/logger.js';
import {
  type ConfinedOptions,
  type ConfinedStreamOptions,
  type ExecResult,
  runTool,
  ToolRunner,
  type ToolStream,
} from '../../src/sandbox/exec.js';
import type { Confinement } from '../../src/sandbox/policy.js';
import { ensureCli } from '../helpers/cli.js';
import { buildFixtures, fixtureHive } from './fixtures.js';

/** A real bubblewrap runner that also notes each command and what it was allowed to see. */
class RecordingRunner extends ToolRunner {
  readonly ran: { cmd: string; args: string[]; confine: Confinement }[] = [];
  constructor() {
    super({ kind: 'bwrap' });
  }
  override run(cmd: string, args: string[], opts: ConfinedOptions): Promise<ExecResult> {
    this.ran.push({ cmd, args, confine: opts.confine });
    return super.run(cmd, args, opts);
  }
  override runOk(cmd: string, args: string[], opts: ConfinedOptions): Promise<ExecResult> {
    this.ran.push({ cmd, args, confine: opts.confine });
    return super.runOk(cmd, args, opts);
  }
  override stream(cmd: string, args: string[], opts: ConfinedStreamOptions): ToolStream {
    this.ran.push({ cmd, args, confine: opts.confine });
    return super.stream(cmd, args, opts);
  }
}

const fx = await buildFixtures();
t.teardown(fx.cleanup);
const hive = fixtureHive(fx, os.release());
const btfFiles = [
  path.join(hive, 'x86_64', 'btf', 'local', `vmlinux-${os.release()}`),
  path.join(hive, 'x86_64', 'btf', 'old', 'vmlinux-5.4.0-old'),
];
const registry = new HiveRegistry(hive, { watch: false, pollMs: 0 });
await registry.start();
t.teardown(() => registry.close());

function service(runner: ToolRunner) {
  const core = new CoreCheckService({
    registry,
    workDir: path.join(fx.dir, 'work'),
    logger: createLogger('silent'),
    runner,
  });
  t.teardown(() => core.close());
  return core;
}

const upload = (core: CoreCheckService, file: string) =>
  core.stageUpload(Readable.from([readFileSync(file)]));

t.test('the check runs the helper through the runner, confined to the object and the BTF', async (t) => {
  const runner = new RecordingRunner();
  const core = service(runner);
  const staged = await upload(core, fx.objects.state!);
  const { id, kernels } = await core.submit('check', staged, {});
  t.equal(kernels, 2);
  const { matrix } = await core.wait(id, 60_000);
  t.same(
    matrix?.kernels.map((k) => [k.release, k.loads]),
    [
      ['local', false],
      ['old', true],
    ],
    'the real helper answered through the runner',
  );
  // the arch probes (on submit, then in the job) see the object alone; the check, the BTF too
  t.equal(runner.ran.length, 3, 'two arch probes and the check');
  for (const r of runner.ran) {
    t.equal(r.cmd, SANDBOX_CORECHECK);
    const seen = r.confine.mounts.filter((m) => !m.toolchain);
    t.notOk(
      seen.some((m) => m.writable),
      'nothing writable',
    );
    t.equal(seen[0]?.source, path.join(staged.dir, 'object.o'), 'the object');
    t.same(
      seen.slice(1).map((m) => m.source),
      r === runner.ran.at(-1) ? btfFiles : [],
      "and the selected kernels' BTF, nothing else",
    );
    t.notOk(
      r.args.some((a) => a.startsWith(fx.dir)),
      'no host path on its command line',
    );
  }
});

t.test(
  'the bundle runs bpftool through the runner: object and BTF read-only, an empty output dir',
  async (t) => {
    const runner = new RecordingRunner();
    const core = service(runner);
    const staged = await upload(core, fx.objects.fields!);
    const { id } = await core.submit('bundle', staged, {});
    const { archive } = await core.wait(id, 120_000);
    t.ok(archive, 'an archive');
    const tar = await runTool('tar', ['-tJf', archive!], { timeoutMs: 30_000 });
    t.match(tar.stdout, /5\.4\.0-old\.btf/);
    await core.releaseArchive(archive!);
    const bpftool = runner.ran.filter((r) => r.cmd === 'bpftool');
    t.equal(bpftool.length, 2, 'one run per kernel');
    t.ok(
      runner.ran.some((r) => r.cmd === SANDBOX_CORECHECK),
      'the matrix first',
    );
    for (const r of bpftool) {
      t.same(r.args.slice(0, 2), ['gen', 'min_core_btf']);
      const writable = r.confine.mounts.filter((m) => m.writable);
      t.equal(writable.length, 1, 'one writable mount');
      t.match(path.basename(writable[0]!.source), /^min-/, 'its own scratch directory');
      const readonly = r.confine.mounts.filter((m) => !m.writable).map((m) => m.source);
      t.equal(readonly.length, 2);
      t.equal(readonly[0], path.join(staged.dir, 'object.o'));
      t.ok(btfFiles.includes(readonly[1]!), 'one kernel BTF');
      t.notOk(
        r.args.some((a) => a.startsWith(fx.dir)),
        'no host path on its command line',
      );
    }
  },
);

t.test('`surfhive core-check` obeys SURFHIVE_SANDBOX: no engine, no unconfined fallback', async (t) => {
  const cli = await ensureCli();
  const r = await runTool('node', [cli, 'core-check', '--hive', hive, fx.objects.state!], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: fx.dir,
      SURFHIVE_LOG_LEVEL: 'silent',
      SURFHIVE_SANDBOX: 'docker',
      SURFHIVE_SANDBOX_IMAGE: 'surfhive-sandbox-absent:{arch}',
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    },
    timeoutMs: 60_000,
  });
  t.not(r.code, 0, 'the check fails without its configured sandbox');
  // bubblewrap would have started it: the docker policy reached the helper, and no engine is there
  t.match(r.stderr, /could not start \/lbc\/bin\/corecheck|sandbox container/);
  t.notMatch(r.stdout, /kernels load/);
});
