import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { runTool, runToolOk, spawnToolStream } from '../../src/sandbox/exec.js';

const scratch = (t: { teardown: (fn: () => void) => void }) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'surfhive-exec-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};
/** Running (a killed process waiting to be reaped by init is a zombie, not alive). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

t.test('runs a tool without a shell and reports its output and exit', async (t) => {
  const ok = await runTool('printf', ['%s|', 'a b', '$(id)'], { timeoutMs: 5000 });
  t.equal(ok.stdout, 'a b|$(id)|', 'arguments reach the tool as data');
  t.equal(ok.code, 0);
  const bad = await runTool('sh', ['-c', 'echo oops >&2; exit 3'], { timeoutMs: 5000 });
  t.same([bad.code, bad.stderr], [3, 'oops\n']);
  const err = (await runToolOk('false', [], { timeoutMs: 5000 }).catch((e: unknown) => e)) as Error;
  t.match(err.message, /^false failed \(exit 1\)$/);
  const missing = (await runTool('/nonexistent/tool', [], { timeoutMs: 5000 }).catch(
    (e: unknown) => e,
  )) as Error;
  t.match(missing.message, /could not start/);
});

t.test('the server environment never reaches a tool', async (t) => {
  process.env.SURFHIVE_TEST_SECRET = 'hunter2';
  t.teardown(() => delete process.env.SURFHIVE_TEST_SECRET);
  const r = await runTool('env', [], { timeoutMs: 5000 });
  t.notMatch(r.stdout, /hunter2/);
  t.match(r.stdout, /^PATH=/m);
});

t.test('a timeout kills the whole process tree', async (t) => {
  const dir = scratch(t);
  const pidFile = path.join(dir, 'pid');
  const started = Date.now();
  const r = await runTool('sh', ['-c', `sleep 30 & echo $! > ${pidFile}; wait`], { timeoutMs: 300 });
  t.ok(r.timedOut);
  t.ok(Date.now() - started < 5000, 'returned soon after the timeout');
  const grandchild = Number(readFileSync(pidFile, 'utf8'));
  await new Promise((r) => setTimeout(r, 100));
  t.notOk(alive(grandchild), 'the background child died with the group');
  const err = (await runToolOk('sleep', ['5'], { timeoutMs: 100 }).catch((e: unknown) => e)) as {
    code?: string;
  };
  t.equal(err.code, 'SURFHIVE_ERR_TOOL_TIMEOUT');
});

t.test('output past the cap is cut and the tool killed', async (t) => {
  const r = await runTool('yes', [], { timeoutMs: 10_000, maxOutputBytes: 1000 });
  t.ok(r.truncated);
  t.equal(r.stdout.length, 1000);
  t.notOk(r.timedOut, 'killed by the cap, not the timeout');
});

t.test('an abort signal kills the tool', async (t) => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const r = await runTool('sleep', ['10'], { timeoutMs: 10_000, signal: ac.signal });
  t.equal(r.signal, 'SIGKILL');
});

t.test('stdout into a file, and resource limits through prlimit', async (t) => {
  const dir = scratch(t);
  const out = path.join(dir, 'out');
  await runToolOk('seq', ['1', '100000'], { timeoutMs: 5000, stdoutFile: out });
  t.equal(readFileSync(out, 'utf8').split('\n')[99_999], '100000');
  const big = path.join(dir, 'big');
  const r = await runTool('dd', ['if=/dev/zero', `of=${big}`, 'bs=1M', 'count=8'], {
    timeoutMs: 10_000,
    limits: { fileBytes: 1024 * 1024 },
  });
  t.not(r.code, 0, 'writing past the file-size limit fails');
  t.ok(statSync(big).size <= 1024 * 1024);
});

t.test('bubblewrap: the tool sees the toolchain and its job directory only, and no network', async (t) => {
  const dir = scratch(t);
  const sandbox = { kind: 'bwrap' as const, writable: [dir] };
  const passwd = await runTool('cat', ['/etc/passwd'], { timeoutMs: 10_000, sandbox });
  t.not(passwd.code, 0, '/etc/passwd is not there');
  t.equal(passwd.stdout, '');
  const home = await runTool('ls', ['/root', '/home', '/work'], { timeoutMs: 10_000, sandbox });
  t.not(home.code, 0);
  const write = await runTool('sh', ['-c', `echo hi > ${dir}/f && echo no > /usr/f`], {
    timeoutMs: 10_000,
    sandbox,
    cwd: dir,
  });
  t.ok(existsSync(path.join(dir, 'f')), 'the job directory is writable');
  t.not(write.code, 0, 'the toolchain is read-only');
  const net = await runTool('cat', ['/proc/net/dev'], { timeoutMs: 10_000, sandbox });
  t.notMatch(net.stdout, /eth|ens|enp|veth/, 'only loopback exists');
});

t.test('streaming tools: stdin and stdout with backpressure, failures surface on stdout', async (t) => {
  const payload = Buffer.alloc(5 * 1024 * 1024, 'surfhive ');
  const gunzip = spawnToolStream('gzip', ['-dc'], { timeoutMs: 10_000 });
  gunzip.stdin.end(gzipSync(payload));
  t.ok((await buffer(gunzip.stdout)).equals(payload));
  t.equal((await gunzip.exited).code, 0);

  const broken = spawnToolStream('gzip', ['-dc'], { timeoutMs: 10_000, exitErrorKind: 'BAD_ARCHIVE' });
  broken.stdin.end(Buffer.from('not gzip at all'));
  const err = (await buffer(broken.stdout).catch((e: unknown) => e)) as { code?: string };
  t.equal(err.code, 'SURFHIVE_ERR_BAD_ARCHIVE');

  const capped = spawnToolStream('yes', [], { timeoutMs: 10_000, maxOutputBytes: 64 * 1024 });
  const capErr = (await buffer(capped.stdout).catch((e: unknown) => e)) as { message?: string };
  t.match(capErr.message, /exceeds its limit/);
});

t.test(
  'bubblewrap as nobody when root can drop privileges: the process limit binds',
  { skip: process.getuid?.() !== 0 && 'needs root' },
  async (t) => {
    const dir = scratch(t);
    chmodSync(dir, 0o755);
    const job = path.join(dir, 'job');
    mkdirSync(job, { mode: 0o700 });
    const sandbox = {
      kind: 'bwrap' as const,
      writable: [],
      binds: [{ source: job, dest: '/job', writable: true }],
      chdir: '/job',
      unprivileged: true,
    };
    const forks = 'id -u; echo hi > out; n=0; for i in $(seq 30); do (sleep 1) 2>/dev/null & done; wait';
    const r = await runTool('sh', ['-c', forks], { timeoutMs: 20_000, sandbox, limits: { processes: 8 } });
    t.equal(r.stdout.split('\n')[0], '65534', 'runs as nobody');
    t.match(r.stderr, /fork|Resource temporarily unavailable/i, 'forks past the limit fail');
    t.equal(readFileSync(path.join(job, 'out'), 'utf8'), 'hi\n', 'the job directory is its own');

    const hidden = path.join(dir, 'private');
    mkdirSync(hidden, { mode: 0o700 });
    const withPrivateSource = {
      ...sandbox,
      binds: [...sandbox.binds, { source: hidden, dest: '/lbc/private' }],
    };
    const fallback = await runTool('id', ['-u'], { timeoutMs: 10_000, sandbox: withPrivateSource });
    t.equal(
      fallback.stdout.trim(),
      '0',
      'a source nobody cannot read keeps the sandbox as root, still confined',
    );
  },
);
