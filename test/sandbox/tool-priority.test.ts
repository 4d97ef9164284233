// Every tool the runner starts runs at the policy's niceness (SURFHIVE_TOOL_NICE), below the
// server's event loop, in `run` and in `stream` mode alike; the server's own thread is left as it
// was; a tool that cannot start still fails as itself; a docker sandbox gets the matching weight.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import t from 'tap';
import { loadConfig } from '../../src/config/config.js';
import { dockerCreateOptions } from '../../src/sandbox/docker-options.js';
import { runTool, ToolRunner } from '../../src/sandbox/exec.js';
import { policyFromConfig, sandboxFor } from '../../src/sandbox/policy.js';

/** Field 19 of /proc/<pid>/stat (after the parenthesised name, which may hold spaces). */
const niceOf = (pid: string | number, task = '') => {
  const stat = readFileSync(`/proc/${pid}${task}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
};

/** The pid of the process whose command line is exactly `argv`, once it exists. */
async function waitForProcess(argv: string[]): Promise<string> {
  const want = `${argv.join('\0')}\0`;
  for (let i = 0; i < 200; i++) {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8') === want) return pid;
      } catch {
        // gone meanwhile
      }
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no process ${argv.join(' ')}`);
}

/** `[group, nice]` of a process's autogroup; undefined where the kernel schedules without them. */
const autogroupOf = (pid: string | number): [string, number] | undefined => {
  try {
    const m = /^(\S+) nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8'));
    return m ? [m[1]!, Number(m[2])] : undefined;
  } catch {
    return undefined;
  }
};
const autogroups = readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1';

const confine = { mounts: [], chdir: '/' };
// never raised above the caller's own niceness (the test may run under `nice`)
const expected = (nice: number) => Math.max(nice, os.getPriority(0));

t.test('a tool started by the runner runs at the configured niceness, inside bubblewrap', async (t) => {
  const own = niceOf(process.pid);
  const runner = new ToolRunner(policyFromConfig(loadConfig({ SURFHIVE_TOOL_NICE: '7' })));
  // a unique duration names this run's sleep among every process of the machine
  const argv = ['sleep', `30.${process.pid}1`];
  const stop = new AbortController();
  const done = runner.run(argv[0]!, argv.slice(1), { confine, timeoutMs: 20_000, signal: stop.signal });
  const ownGroup = autogroupOf(process.pid);
  const pid = await waitForProcess(argv);
  t.equal(niceOf(pid), expected(7), 'the sleep inside the sandbox');
  t.equal(niceOf(process.pid), own, 'the server’s thread keeps its own niceness');
  if (autogroups) {
    // the kernel weighs sessions against each other first: the tool's session is lowered too.
    // A test run from a process that never left init's session shows no group (the kernel's
    // default one, at nice 0), as under some CI agents.
    const group = autogroupOf(pid);
    t.ok(group, 'the tool runs in a session (scheduling group) of its own');
    t.not(group?.[0], ownGroup?.[0], 'not the server’s');
    t.equal(group?.[1], Math.max(7, ownGroup?.[1] ?? 0), 'whose weight is that of the niceness');
    t.same(autogroupOf(process.pid), ownGroup, 'the server’s own group is left as it was');
  }
  stop.abort();
  const res = await done;
  t.equal(res.signal, 'SIGKILL', 'the abort killed it');
});

t.test('a streaming tool too', async (t) => {
  const runner = new ToolRunner({ kind: 'bwrap', nice: 9 });
  const argv = ['sleep', `30.${process.pid}2`];
  const tool = runner.stream(argv[0]!, argv.slice(1), { confine, timeoutMs: 20_000 });
  tool.stdout.resume();
  tool.stdout.on('error', () => undefined);
  tool.stdin.end();
  const pid = await waitForProcess(argv);
  t.equal(niceOf(pid), expected(9));
  tool.kill();
  await tool.exited;
});

t.test('SURFHIVE_TOOL_NICE=0 leaves tools at the server’s own niceness', async (t) => {
  const config = loadConfig({ SURFHIVE_TOOL_NICE: '0' });
  t.equal(config.toolNice, 0);
  const runner = new ToolRunner(policyFromConfig(config));
  const argv = ['sleep', `30.${process.pid}3`];
  const stop = new AbortController();
  const done = runner.run(argv[0]!, argv.slice(1), { confine, timeoutMs: 20_000, signal: stop.signal });
  t.equal(niceOf(await waitForProcess(argv)), os.getPriority(0));
  stop.abort();
  await done;
});

t.test('a tool that cannot start still says so, niceness or not', async (t) => {
  await t.rejects(runTool('/nonexistent/surfhive-tool', [], { timeoutMs: 5_000, nice: 10 }), {
    kind: 'TOOL_FAILED',
    message: 'could not start /nonexistent/surfhive-tool',
  });
});

t.test('the setting: 10 by default, 0 to 19, named when wrong', async (t) => {
  t.equal(loadConfig({}).toolNice, 10);
  t.throws(() => loadConfig({ SURFHIVE_TOOL_NICE: '20' }), {
    message: /SURFHIVE_TOOL_NICE must be a whole number from 0 to 19/,
  });
  t.throws(() => loadConfig({ SURFHIVE_TOOL_NICE: '-1' }), { message: /SURFHIVE_TOOL_NICE/ });
});

t.test('a docker sandbox gets the CPU weight of the niceness', async (t) => {
  const spec = sandboxFor({ kind: 'docker', image: 'img:{arch}', nice: 10 }, { ...confine, arch: 'x86_64' });
  const create = dockerCreateOptions('clang', [], spec as Parameters<typeof dockerCreateOptions>[2]);
  // the kernel's weight of nice 10 is 110 against 1024 at nice 0
  t.equal(create.HostConfig?.CpuShares, 110);
  const plain = sandboxFor({ kind: 'docker', image: 'img', nice: 0 }, confine);
  t.equal(
    dockerCreateOptions('clang', [], plain as Parameters<typeof dockerCreateOptions>[2]).HostConfig
      ?.CpuShares,
    undefined,
    'nice 0: docker’s default weight',
  );
});
