// Every tool of a build, an ingest and a decompression runs through the ToolRunner handed in
// (the process's configured one), never a sandbox a step picks for itself; the streaming mode
// is confined like `run`; a sandboxed tool sees its own /proc, not the host's processes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import t from 'tap';
import { SANDBOX_DWFUNCS } from '../../src/formats/dwarf/run-dwfuncs.js';
import { buildKernel } from '../../src/indexer/pipeline.js';
import { decompressStream } from '../../src/ingest/decompress.js';
import { createLogger } from '../../src/log/logger.js';
import {
  type ConfinedOptions,
  type ConfinedStreamOptions,
  type ExecResult,
  runTool,
  ToolRunner,
  type ToolStream,
} from '../../src/sandbox/exec.js';
import { compileC, run } from '../build/helpers/btf-tools.js';
import { buildFixtureKernel } from '../build/helpers/fixture-kernel.js';
import { buildNative } from '../build/helpers/native-tools.js';
import { CLI, ensureCli } from '../helpers/cli.js';
import { RUNNER } from '../helpers/tools.js';

/** A real bubblewrap runner that also notes each command it was asked to run. */
class NotingRunner extends ToolRunner {
  readonly ran: string[] = [];
  constructor() {
    super({ kind: 'bwrap' });
  }
  override run(cmd: string, args: string[], opts: ConfinedOptions): Promise<ExecResult> {
    this.ran.push(cmd);
    return super.run(cmd, args, opts);
  }
  override runOk(cmd: string, args: string[], opts: ConfinedOptions): Promise<ExecResult> {
    this.ran.push(cmd);
    return super.runOk(cmd, args, opts);
  }
  override stream(cmd: string, args: string[], opts: ConfinedStreamOptions): ToolStream {
    this.ran.push(cmd);
    return super.stream(cmd, args, opts);
  }
}

const scratch = (t: { teardown: (fn: () => void) => void }, prefix: string) => {
  const dir = path.join(
    os.tmpdir(),
    `surfhive-${prefix}-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

t.before(buildNative);

t.test(
  'a build with modules runs pahole, dwfuncs, xz and bpftool through the runner it is given',
  async (t) => {
    const dir = scratch(t, 'runner-build');
    const input = await buildFixtureKernel(dir);
    const mods = path.join(dir, 'mods');
    mkdirSync(mods);
    writeFileSync(
      path.join(dir, 'm.c'),
      'struct only_in_mod { int a; long b; };\nstruct only_in_mod *keep_me;\nint m_fn(struct only_in_mod *p) { return p->a; }\n',
    );
    await compileC(dir, 'm.c', 'm.o', 'object');
    await run('ld', ['-r', path.join(dir, 'm.o'), '-o', path.join(mods, 'xmod.ko')]);
    await run('xz', ['-z', path.join(mods, 'xmod.ko')]);
    const runner = new NotingRunner();
    const res = await buildKernel({
      hive: path.join(dir, 'hive'),
      key: { arch: 'x86_64', release: 'debian', ver: '6.1.0-1-amd64' },
      input,
      modulesDir: mods,
      keepVmlinux: false,
      force: false,
      logger: createLogger('silent'),
      tools: { runner },
    });
    t.ok(res.published);
    t.ok(res.stats && res.stats.structs > 0);
    const ran = new Set(runner.ran);
    for (const tool of ['pahole', SANDBOX_DWFUNCS, 'xz', 'bpftool'])
      t.ok(ran.has(tool), `${tool} ran through it`);
    // two pahole and two dwfuncs runs (vmlinux, the module), one xz, one bpftool
    t.equal(runner.ran.filter((c) => c === 'pahole').length, 2);
    t.equal(runner.ran.filter((c) => c === SANDBOX_DWFUNCS).length, 2);
  },
);

t.test('decompressors stream through the runner, confined, with its cap and timeout', async (t) => {
  const runner = new NotingRunner();
  const plain = Buffer.alloc(3 * 1024 * 1024, 'surfhive ');
  const xz = execFileSync('xz', ['-z', '-c'], { input: plain, maxBuffer: 64 << 20 });
  const d = await decompressStream(Readable.from([xz]), {
    runner,
    maxOutputBytes: 8 << 20,
    timeoutMs: 20_000,
  });
  t.equal(d.format, 'xz');
  t.ok((await buffer(d.output)).equals(plain), 'the real xz, through the runner');
  t.same(runner.ran, ['xz']);

  const bomb = await decompressStream(Readable.from([xz]), {
    runner,
    maxOutputBytes: 1 << 20,
    timeoutMs: 20_000,
  });
  await t.rejects(buffer(bomb.output), { kind: 'BAD_ARCHIVE', message: /size limit/ }, 'output cap');
  await bomb.stopped;

  const corrupt = Buffer.from(xz);
  corrupt.fill(0x41, 64, corrupt.length - 24);
  const bad = await decompressStream(Readable.from([corrupt]), {
    runner,
    maxOutputBytes: 8 << 20,
    timeoutMs: 20_000,
  });
  await t.rejects(buffer(bad.output), { kind: 'BAD_ARCHIVE', message: /corrupt/ });
});

t.test('the streaming mode sees no host file, and its timeout kills the tool', async (t) => {
  const confine = { mounts: [], chdir: '/' };
  const peek = RUNNER.stream('sh', ['-c', 'cat /etc/passwd; ls /root /home /work 2>&1; echo done'], {
    confine,
    timeoutMs: 10_000,
  });
  peek.stdin.end();
  const seen = (await buffer(peek.stdout)).toString();
  t.notMatch(seen, /root:x:0:0/, 'no /etc/passwd of the host');
  t.match(seen, /done/);
  const slow = RUNNER.stream('sleep', ['30'], { confine, timeoutMs: 300 });
  slow.stdin.end();
  const started = Date.now();
  await t.rejects(buffer(slow.stdout), { kind: 'TOOL_TIMEOUT', message: /did not finish/ });
  t.ok(Date.now() - started < 5_000, 'ended at its timeout');
  t.equal((await slow.exited).timedOut, true);
});

t.test('a sandboxed tool has its own /proc: no host process is visible', async (t) => {
  const hostInit = readFileSync('/proc/1/cmdline');
  const confine = { mounts: [], chdir: '/' };
  const one = await RUNNER.runOk('cat', ['/proc/1/cmdline'], { confine, timeoutMs: 10_000 });
  t.not(one.stdout, hostInit.toString(), "pid 1 inside is not the host's init");
  t.notMatch(one.stdout, /node|tap/, 'nor this test process');
  const pids = await RUNNER.runOk('sh', ['-c', 'ls /proc | grep -E "^[0-9]+$"'], {
    confine,
    timeoutMs: 10_000,
  });
  const inside = pids.stdout.trim().split('\n').map(Number);
  t.ok(inside.length < 10, `only the sandbox's few processes (${inside.join(' ')})`);
  t.notOk(
    existsSync(`/proc/${process.pid}`) && inside.includes(process.pid) && process.pid > 10,
    'not the server',
  );
  const environ = await RUNNER.run('cat', [`/proc/${process.ppid}/environ`], { confine, timeoutMs: 10_000 });
  t.not(environ.code, 0, "the server's parent's environment cannot be read");
  const streamed = RUNNER.stream('cat', ['/proc/1/cmdline'], { confine, timeoutMs: 10_000 });
  streamed.stdin.end();
  t.not((await buffer(streamed.stdout)).toString(), hostInit.toString(), 'the streaming mode too');
});

t.test(
  '`surfhive build` runs its tools under the configured policy, not a bubblewrap of its own',
  async (t) => {
    const cli = await ensureCli();
    t.equal(cli, CLI);
    const dir = scratch(t, 'runner-cli');
    const input = await buildFixtureKernel(dir);
    const args = [
      CLI,
      'build',
      input,
      '--hive',
      path.join(dir, 'hive'),
      '--release',
      'debian',
      '--arch',
      'x86_64',
      '--ver',
      '6.1.0-2-amd64',
    ];
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      SURFHIVE_LOG_LEVEL: 'silent',
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    };
    // docker configured, and no engine there: pahole must try its container and fail, not quietly use bubblewrap
    const docker = await runTool('node', args, {
      env: { ...env, SURFHIVE_SANDBOX: 'docker', SURFHIVE_SANDBOX_IMAGE: 'surfhive-sandbox-absent:{arch}' },
      timeoutMs: 120_000,
    });
    t.not(docker.code, 0, 'the build fails without its configured sandbox');
    t.match(docker.stderr, /sandbox container/);
    t.notOk(existsSync(path.join(dir, 'hive', 'x86_64', 'db', 'debian')), 'nothing published');
    const bwrap = await runTool('node', args, {
      env: { ...env, SURFHIVE_SANDBOX: 'bwrap' },
      timeoutMs: 120_000,
    });
    t.equal(bwrap.code, 0, bwrap.stderr);
    t.match(bwrap.stdout, /published/, 'the same build under the bubblewrap policy');
  },
);
