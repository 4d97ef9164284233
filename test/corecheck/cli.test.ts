import os from 'node:os';
import t from 'tap';
import { runTool } from '../../src/sandbox/exec.js';
import { ensureCli } from '../helpers/cli.js';
import { buildFixtures, fixtureHive } from './fixtures.js';

// `surfhive core-check` over a hive holding this machine's kernel and a stand-in old kernel.
const fx = await buildFixtures();
t.teardown(fx.cleanup);
const hive = fixtureHive(fx, os.release());
const cli = await ensureCli();
const run = (...args: string[]) =>
  runTool('node', [cli, 'core-check', '--hive', hive, ...args], { timeoutMs: 60_000 });

t.test('the matrix in the terminal', async (t) => {
  const r = await run(fx.objects.guarded!);
  t.equal(r.code, 0, r.stderr);
  t.match(
    r.stdout,
    /#0 +task_struct::__state +\(field_exists; guarded in tracepoint\/syscalls\/sys_enter_getpid\)/,
  );
  t.match(
    r.stdout,
    new RegExp(`x86_64 local ${os.release().replace(/[.+]/g, '\\$&')} +loads +1 +24 +\\(FIELD\\?\\)`),
  );
  t.match(r.stdout, /x86_64 old +5\.4\.0-old +loads +0 +\(FIELD\?\) +0/);
  t.match(r.stdout, /2 of 2 kernels load/);
});

t.test('failing kernels: exit 1, the failing program named', async (t) => {
  const r = await run(fx.objects.state!, '--release', 'local');
  t.equal(r.code, 1);
  t.match(r.stdout, /FAILS +FIELD\?/);
  t.match(r.stdout, /old_state fails/);
  t.notMatch(r.stdout, /5\.4\.0-old/, 'the selection applies');
});

t.test('JSON, and a coded error for a bad object', async (t) => {
  const j = await run(fx.objects.caps!, '--json', '--ver-prefix', '5.4');
  t.equal(JSON.parse(j.stdout).kernels.length, 1);
  const bad = await run('/bin/true');
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^surfhive: not a BPF object file/);
});
