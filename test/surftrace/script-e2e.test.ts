import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { runTool } from '../../src/sandbox/exec.js';
import { compileExpressions } from '../../src/surftrace/compile.js';
import { planTrace } from '../../src/surftrace/plan.js';
import { renderScript } from '../../src/surftrace/script.js';
import { fixtureRows, tempDb } from './helpers/kernel-dbs.js';
import { openTypes } from './helpers/open-types.js';

/*
 * End to end on this machine: the generated script really traces (tracepoints
 * and uprobes; this kernel has no kprobe events) and leaves nothing behind.
 */
const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'].find((d) =>
  existsSync(join(d, 'instances')),
);
const canTrace = process.getuid?.() === 0 && TRACEFS !== undefined && os.machine() === 'x86_64';
const skip = canTrace ? false : 'needs root, x86_64 and a mounted tracefs';

const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');

function leftovers(id: string): string[] {
  const base = TRACEFS as string;
  const out: string[] = [];
  if (existsSync(join(base, 'instances', `surfhive-${id}`))) out.push('instance');
  for (const f of ['kprobe_events', 'uprobe_events']) {
    if (read(join(base, f)).includes(`surfhive_${id}`)) out.push(f);
  }
  return out;
}

/** The fixture kernel's types and a temp dir, both gone at teardown. */
function scratch(tt: Test) {
  const db = tempDb(fixtureRows());
  const { types, close } = openTypes(db.file);
  const dir = mkdtempSync(join(tmpdir(), 'surftrace-e2e-'));
  tt.teardown(() => {
    close();
    db.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  return { types, dir };
}

async function runScript(script: string, dir: string, workload: () => Promise<void>) {
  const file = join(dir, 'trace.sh');
  writeFileSync(file, script);
  const run = runTool('sh', [file], { timeoutMs: 60_000, cwd: dir });
  await new Promise((r) => setTimeout(r, 1500));
  await workload();
  return run;
}

t.test('event with a filter traces exec and cleans up', { skip }, async (tt) => {
  const { types, dir } = scratch(tt);
  const marker = `sfh${process.pid}`;
  const compiled = compileExpressions(
    [`e sched/sched_process_exec f:filename~"*${marker}*"`],
    'x86_64',
    types,
  );
  tt.equal(compiled[0]?.filter, `filename~"*${marker}*"`);
  const id = `e2e${process.pid.toString(16)}`.slice(0, 12);
  const plan = planTrace(compiled, id, false);
  const script = renderScript({ arch: 'x86_64', ver: os.release(), compiled, plan, duration: 4 });
  const exe = join(dir, marker);
  writeFileSync(exe, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const res = await runScript(script, dir, async () => {
    for (let i = 0; i < 3; i++) await runTool(exe, [], { timeoutMs: 5000 });
  });
  tt.equal(res.code, 0, `script exits cleanly: ${res.stderr}`);
  const lines = res.stdout.split('\n').filter((l) => l.includes('sched_process_exec'));
  tt.ok(lines.length >= 3, `trace lines for the filtered exec (${lines.length})`);
  tt.ok(
    lines.every((l) => l.includes(marker)),
    'only execs that pass the filter',
  );
  tt.same(leftovers(id), [], 'no instance or probe left behind');
});

const PROGRAM = `#include <unistd.h>
__attribute__((noinline)) int probe_me(int v, int w) { return v * 2 + w; }
int main(void) {
  volatile int sink = 0;
  for (int i = 0; i < 150; i++) { sink += probe_me(i, 7); usleep(20000); }
  return sink == 0;
}
`;

t.test('uprobe and uretprobe on a test binary, stopped by SIGINT', { skip }, async (tt) => {
  const { types, dir } = scratch(tt);
  writeFileSync(join(dir, 'prog.c'), PROGRAM);
  const cc = await runTool('gcc', ['-O1', '-o', join(dir, 'prog'), join(dir, 'prog.c')], {
    timeoutMs: 60_000,
  });
  tt.equal(cc.code, 0, cc.stderr);
  const bin = join(dir, 'prog');
  const compiled = compileExpressions(
    [`P ${bin}:probe_me v=%0 w=S%1 f:v>=100`, `R ${bin}:probe_me r=X$retval`],
    'x86_64',
    types,
  );
  tt.equal(compiled[0]?.definition, 'p:p0 {path}:{offset} v=%di:u32 w=%si:s32');
  tt.equal(compiled[1]?.definition, 'r:r1 {path}:{offset} r=$retval');
  const id = `u${process.pid.toString(16)}`;
  const plan = planTrace(compiled, id, false);
  const script = renderScript({ arch: 'x86_64', ver: os.release(), compiled, plan, duration: 0 });
  writeFileSync(join(dir, 'trace.sh'), script);
  const pidFile = join(dir, 'pid');
  const run = runTool('sh', ['-c', 'echo $$ > "$1"; exec sh "$2"', 'sh', pidFile, join(dir, 'trace.sh')], {
    timeoutMs: 60_000,
    cwd: dir,
  });
  await new Promise((r) => setTimeout(r, 1500));
  const prog = await runTool(bin, [], { timeoutMs: 30_000 });
  tt.equal(prog.code, 0);
  await new Promise((r) => setTimeout(r, 500));
  process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGINT');
  const res = await run;
  tt.equal(res.code, 130, `stopped by SIGINT: ${res.stderr}`);
  const entries = res.stdout.split('\n').filter((l) => / p0: /.test(l));
  const returns = res.stdout.split('\n').filter((l) => / r1: /.test(l));
  tt.equal(entries.length, 50, 'entry events that pass v>=100 (i = 100..149)');
  tt.ok(
    entries.every((l) => /v=(\d+) w=7$/.test(l) && Number(/v=(\d+)/.exec(l)?.[1]) >= 100),
    'arguments read',
  );
  tt.equal(returns.length, 150, 'every return');
  tt.ok(
    returns.some((l) => l.endsWith('r=0x7')),
    'return value of probe_me(0, 7)',
  );
  tt.same(leftovers(id), [], 'no instance or probe left behind');
});
