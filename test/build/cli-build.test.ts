import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { artifactPath, type KernelKey } from '../../src/hive/layout.js';
import { recoverHive, stagingRoot } from '../../src/hive/publish.js';
import { readKernelMeta } from '../../src/kernel-db/db-file.js';
import { runTool } from '../../src/sandbox/exec.js';
import { ensureCli } from '../helpers/cli.js';
import { run, tempDir } from './helpers/btf-tools.js';
import { buildFixtureKernel } from './helpers/fixture-kernel.js';

const LOCAL_BTF = '/sys/kernel/btf/vmlinux';
const haveLocal = existsSync(LOCAL_BTF);

t.test(
  'surfhive build --local publishes this machine’s kernel',
  { skip: !haveLocal && 'no /sys/kernel/btf/vmlinux' },
  async (t) => {
    const cli = await ensureCli();
    const { dir, cleanup } = tempDir('cli-local');
    t.teardown(cleanup);
    const res = await runTool('node', [cli, 'build', '--local', '--hive', dir], { timeoutMs: 120_000 });
    t.equal(res.code, 0, res.stderr);
    t.match(res.stdout, /published in [\d.]+ s \(\d+ structs, \d+ functions\)/);
    const key: KernelKey = {
      arch: os.machine() === 'aarch64' ? 'aarch64' : 'x86_64',
      release: 'local',
      ver: os.release(),
    };
    t.ok(existsSync(artifactPath(dir, key, 'db')));
    const again = await runTool('node', [cli, 'build', '--local', '--hive', dir], { timeoutMs: 120_000 });
    t.match(again.stdout, /already published/);
  },
);

t.test('bad command lines fail with a message, not a stack trace', async (t) => {
  const cli = await ensureCli();
  const { dir, cleanup } = tempDir('cli-bad');
  t.teardown(cleanup);
  // mistakes on the command line: exit 2 and one line naming the flag; a bad input file: exit 1
  const cases: [string[], number, RegExp][] = [
    [
      ['--release', 'x', '--arch', 'sparc', '--ver', '1.0', '/etc/hostname'],
      2,
      /^surfhive: --arch must be one of/,
    ],
    [
      ['--release', '../x', '--arch', 'x86_64', '--ver', '1.0', '/etc/hostname'],
      2,
      /^surfhive: --release must be/,
    ],
    [
      ['--release', 'x', '--arch', 'x86_64', '--ver', '../../etc', '/etc/hostname'],
      2,
      /^surfhive: --ver must look like/,
    ],
    [['--release', 'x', '--arch', 'x86_64', '--ver', '1.0', '/etc/hostname'], 1, /^surfhive: /],
  ];
  for (const [args, code, message] of cases) {
    const res = await runTool('node', [cli, 'build', '--hive', dir, ...args], { timeoutMs: 60_000 });
    t.equal(res.code, code, args.join(' '));
    t.match(res.stderr, message);
    if (code === 2) t.equal(res.stderr.trim().split('\n').length, 1, 'one line');
    t.notMatch(res.stderr, /\n\s+at /, 'no stack trace');
  }
  t.notOk(existsSync(join(dir, 'x86_64')), 'nothing published');
});

t.test(
  'kill -9 at any point of a build leaves the hive as it was',
  { skip: !haveLocal && 'no /sys/kernel/btf/vmlinux' },
  async (t) => {
    const cli = await ensureCli();
    const { dir, cleanup } = tempDir('cli-kill');
    t.teardown(cleanup);
    const so = await buildFixtureKernel(dir);
    await run('pahole', ['-J', `--btf_encode_detached=${join(dir, 'fixture.btf')}`, so], dir);
    const hive = join(dir, 'hive');
    const key: KernelKey = { arch: 'x86_64', release: 'test', ver: '9.9.9-kill' };
    const flags = ['build', '--hive', hive, '--release', key.release, '--arch', key.arch, '--ver', key.ver];
    const first = await runTool('node', [cli, ...flags, join(dir, 'fixture.btf')], { timeoutMs: 120_000 });
    t.equal(first.code, 0, first.stderr);
    const fixtureSha = readKernelMeta(artifactPath(hive, key, 'db'))?.input_sha256;

    for (const delayMs of [100, 300, 500, 700, 900, 1100, 1300, 1600]) {
      const child = spawn('node', [cli, ...flags, '--force', LOCAL_BTF], { stdio: 'ignore' });
      // Listen from the start: a build may finish before the kill comes.
      const exited = new Promise((r) => child.once('exit', r));
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await exited;
      await recoverHive(hive);
      const meta = readKernelMeta(artifactPath(hive, key, 'db'));
      const head = readFileSync(artifactPath(hive, key, 'head'), 'utf8');
      const fromFixture = head.includes('union bpf_attr_like {');
      t.ok(meta, `after ${delayMs} ms: a complete database is there`);
      t.equal(
        meta?.input_sha256 === fixtureSha,
        fromFixture,
        `after ${delayMs} ms: database and vmlinux.h agree`,
      );
      const dump = await run('bpftool', ['btf', 'dump', 'file', artifactPath(hive, key, 'btf')]);
      t.equal(dump.stdout.includes("'bpf_attr_like'"), fromFixture, `after ${delayMs} ms: btf agrees`);
      t.same(
        readdirSync(stagingRoot(hive)).filter((n) => !n.startsWith('lock-')),
        [],
        'no scratch left after recovery',
      );
    }
  },
);
