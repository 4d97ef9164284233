// Tools started from the starter thread (what a process's main-thread ToolRunner uses) behave as
// runTool does in place: output, exit, start failures, aborts, output files and caps.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runTool } from '../../src/sandbox/exec.js';
import { SpawnThread } from '../../src/sandbox/spawn-thread.js';

const starter = new SpawnThread();

t.test('the same result as in place', async (t) => {
  const opts = { timeoutMs: 10_000, input: 'hello' };
  const there = await starter.run('sh', ['-c', 'cat; echo err >&2; exit 3'], opts);
  const here = await runTool('sh', ['-c', 'cat; echo err >&2; exit 3'], opts);
  t.same({ ...there, durationMs: 0 }, { ...here, durationMs: 0 });
  t.equal(there.stdout, 'hello');
  t.equal(there.code, 3);
});

t.test('a tool that cannot start fails as itself', async (t) => {
  await t.rejects(starter.run('/nonexistent/surfhive-tool', [], { timeoutMs: 5_000 }), {
    kind: 'TOOL_FAILED',
    message: 'could not start /nonexistent/surfhive-tool',
  });
});

t.test('an abort kills the tool; an aborted signal starts nothing', async (t) => {
  const stop = new AbortController();
  const run = starter.run('sleep', ['30'], { timeoutMs: 20_000, signal: stop.signal });
  setTimeout(() => stop.abort(), 200);
  const r = await run;
  t.equal(r.signal, 'SIGKILL');
  t.ok(r.durationMs < 10_000);
  await t.rejects(starter.run('true', [], { timeoutMs: 5_000, signal: AbortSignal.abort() }), {
    kind: 'TOOL_FAILED',
    message: 'true was stopped before it started',
  });
});

t.test('timeouts, caps and output files', async (t) => {
  const timedOut = await starter.run('sleep', ['30'], { timeoutMs: 200 });
  t.ok(timedOut.timedOut);
  const capped = await starter.run('yes', [], { timeoutMs: 10_000, maxOutputBytes: 1000 });
  t.ok(capped.truncated);
  t.equal(capped.stdout.length, 1000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'surfhive-starter-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'out');
  await starter.run('echo', ['to a file'], { timeoutMs: 5_000, stdoutFile: file });
  t.equal(readFileSync(file, 'utf8'), 'to a file\n');
});

t.test('many at once, each its own answer', async (t) => {
  const rs = await Promise.all(
    Array.from({ length: 20 }, (_, i) => starter.run('echo', [String(i)], { timeoutMs: 10_000 })),
  );
  t.same(
    rs.map((r) => r.stdout.trim()),
    Array.from({ length: 20 }, (_, i) => String(i)),
  );
});

t.test('the starter thread runs at the niceness it is given; the main thread keeps its own', async (t) => {
  const own = os.getPriority(0);
  const nice = Math.max(own + 1, 7);
  const threadNices = () =>
    readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
  t.notOk(threadNices().includes(nice), 'no thread at that niceness before');
  await new SpawnThread(nice).run('true', [], { timeoutMs: 5_000 });
  t.equal(threadNices().filter((n) => n === nice).length, 1, 'one thread, the starter, runs lowered');
  t.equal(os.getPriority(0), own);
});
