#!/usr/bin/env node
// Abuse benchmark (issue 12): for DURATION seconds several hostile clients attack a real
// `surfhive serve` (defaults, this machine's kernel, loopback) while one well-behaved client runs
// struct lookups and small compiles. The server, the good client and every attacker are processes
// of their own: the good client's latency holds no attacker's event-loop work. Each attacker sends
// from a loopback address of its own (127.0.0.2, ...; the good client 127.0.0.1), as real
// attackers have addresses of their own: per-client rate limits tell them apart.
// Prints the good client's lookup and compile p50/p99 and failures, the server's peak RSS, and
// each attack class's answer times against its deadline; then where the time went: the server's
// event-loop delay, its main thread's time on a CPU and runnable waiting for one, each client's
// own wait for a CPU (a starved client measures its own wait too) and the machine's CPU split.
// Same-run baseline: the good client alone against the same server, before the attackers start.
// usage: node bench/abuse/run.mjs [--duration 30] [--baseline 10] [--per-class 1] [--attacker-nice 0]
//          [--classes name,name]
// --classes runs only the named attack classes (default: all), to see what each one costs.
// --attacker-nice N runs the attacker processes at nice N: real attackers sit on other machines,
// here their own client-side CPU shares the server's cores (the server's tools run at
// SURFHIVE_TOOL_NICE, default 10).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arch, args, cli, fmt, localHive, machineLine, pct, ver } from '../lib/common.mjs';
import { attacks } from './client.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DURATION = Number(args.duration ?? 30) * 1000;
const BASELINE = Number(args.baseline ?? 10) * 1000;
const PER_CLASS = Number(args['per-class'] ?? 1);
const ATTACKER_NICE = Number(args['attacker-nice'] ?? 0);
const CLASSES = args.classes?.split(',').filter(Boolean);

console.log(machineLine());
console.log('note: the machine may be shared with other work; latency figures are only as quiet as its load');
const hive = localHive('surfhive-bench-abuse-');
const port = 20000 + Math.floor(Math.random() * 20000);
const base = `http://127.0.0.1:${port}`;
const server = spawn('node', [cli, 'serve', '--hive', hive, '--port', String(port), '--host', '127.0.0.1'], {
  env: { ...process.env, SURFHIVE_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
for (let i = 0; i < 300; i++) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 100));
}

// A 3.6 KB-class module of nested structs: each level holds ten of the one below.
const scratch = mkdtempSync(path.join(os.tmpdir(), 'surfhive-abuse-'));
const levels = Array.from({ length: 12 }, (_, i) =>
  i === 0
    ? 'struct n0 { long a, b; };'
    : `struct n${i} { ${Array.from({ length: 10 }, (_, j) => `struct n${i - 1} f${j};`).join(' ')} };`,
);
writeFileSync(path.join(scratch, 'nest.c'), `${levels.join('\n')}\nstruct n11 *keep;\n`);
execFileSync('gcc', ['-g', '-c', '-o', path.join(scratch, 'nest.ko'), path.join(scratch, 'nest.c')]);
const setup = {
  base,
  ver,
  arch,
  nestKo: readFileSync(path.join(scratch, 'nest.ko')).toString('base64'),
  bigFile: execFileSync('sh', ['-c', 'ls -S /usr/lib/x86_64-linux-gnu/*.so* | head -1']).toString().trim(),
};

/** Runs one client process; resolves with the JSON it printed. */
const children = new Set();
function client(script, extra, nice = 0) {
  return new Promise((resolve, reject) => {
    const argv = ['node', path.join(here, script), JSON.stringify({ ...setup, ...extra })];
    const [file, ...rest] = nice > 0 ? ['nice', '-n', String(nice), ...argv] : argv;
    const child = spawn(file, rest, {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(child);
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.on('exit', (code) => {
      children.delete(child);
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1)));
      else reject(new Error(`${script} exited ${code}`));
    });
  });
}

const serverRss = () => {
  try {
    const s = readFileSync(`/proc/${server.pid}/status`, 'utf8');
    return {
      hwm: Number(/VmHWM:\s+(\d+) kB/.exec(s)?.[1] ?? 0) * 1024,
      rss: Number(/VmRSS:\s+(\d+) kB/.exec(s)?.[1] ?? 0) * 1024,
    };
  } catch {
    return { hwm: 0, rss: 0 };
  }
};
/**
 * The scheduler's account of the server's main thread (the event loop) and of its other
 * threads together: time on a CPU and time runnable but waiting for one (schedstat), ms.
 */
const serverSched = () => {
  const main = { run: 0, wait: 0 };
  const others = { run: 0, wait: 0 };
  try {
    for (const tid of readdirSync(`/proc/${server.pid}/task`)) {
      const [run, wait] = readFileSync(`/proc/${server.pid}/task/${tid}/schedstat`, 'utf8')
        .split(' ')
        .map(Number);
      const into = tid === String(server.pid) ? main : others;
      into.run += run / 1e6;
      into.wait += wait / 1e6;
    }
  } catch {}
  return { main, others };
};
const schedSince = (before) => {
  const now = serverSched();
  const d = (k) => ({ run: now[k].run - before[k].run, wait: now[k].wait - before[k].wait });
  return { main: d('main'), others: d('others') };
};
/**
 * Machine-wide CPU time from /proc/stat, ms: user time at nice <= 0 and at nice > 0, system time
 * (of any niceness: the tools' system calls count here), idle.
 */
const machineCpu = () => {
  const [user, nice, system, idle, iowait, irq, softirq] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map((x) => (Number(x) * 1000) / 100);
  return { user, niced: nice, system: system + irq + softirq, idle: idle + iowait };
};
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
/**
 * The server's event-loop delay since the previous call, from its /metrics (prom-client resets
 * the histogram at every scrape).
 */
async function eventLoopDelay() {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const g = (name) =>
      Number(new RegExp(`^surfhive_nodejs_eventloop_lag_${name}_seconds (\\S+)`, 'm').exec(text)?.[1]);
    return ['p50', 'p99', 'max'].map((k) => `${k} ${fmt(g(k) * 1000)}`).join(', ');
  } catch (err) {
    return `unknown (${err})`;
  }
}
const mib = (b) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

const report = (label, r) => {
  console.log(
    `${label}: lookups ${r.lookups.length}, p50 ${fmt(pct(r.lookups, 50))}, p99 ${fmt(pct(r.lookups, 99))}; ` +
      `compiles ${r.compiles.length}, p50 ${fmt(pct(r.compiles, 50))}, p99 ${fmt(pct(r.compiles, 99))}; failed ${r.failures.length}`,
  );
  for (const f of r.failures.slice(0, 5)) console.log(`  failure: ${f}`);
};

try {
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const baseline = await client('good-client.mjs', { ms: BASELINE, tag: 'b' });
  report(`baseline (good client alone, own process, ${BASELINE / 1000} s)`, baseline);
  console.log(`server peak RSS after the baseline: ${mib(serverRss().hwm)}`);

  const known = Object.keys(attacks(setup));
  const unknown = (CLASSES ?? []).filter((c) => !known.includes(c));
  if (unknown.length > 0)
    throw new Error(`unknown attack classes ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const names = CLASSES ?? known;
  await eventLoopDelay(); // resets the server's event-loop delay histogram: what follows is the attack's
  const schedBefore = serverSched();
  const machineBefore = machineCpu();
  const windowStart = performance.now();
  // each attacker from a loopback address of its own (127.0.0.2, ...): the good client's is 127.0.0.1
  const attackers = names.flatMap((attack, i) =>
    Array.from({ length: PER_CLASS }, (_, j) =>
      client(
        'attacker.mjs',
        { attack, ms: DURATION, address: `127.0.0.${2 + i * PER_CLASS + j}` },
        ATTACKER_NICE,
      ),
    ),
  );
  const good = await client('good-client.mjs', { ms: DURATION, tag: 'g' });
  const results = await Promise.all(attackers);
  const lag = await eventLoopDelay();
  const sched = schedSince(schedBefore);
  const windowMs = performance.now() - windowStart;
  const machineNow = machineCpu();
  const machine = Object.fromEntries(
    Object.keys(machineNow).map((k) => [k, machineNow[k] - machineBefore[k]]),
  );
  report(
    `under attack (${attackers.length} attacker processes${ATTACKER_NICE ? ` at nice ${ATTACKER_NICE}` : ''}, ${names.length} classes, ${DURATION / 1000} s)`,
    good,
  );
  const byClass = new Map();
  for (const r of results) {
    const c = byClass.get(r.name) ?? { times: [], statuses: {}, deadline: r.deadline, waitMs: 0 };
    c.times.push(...r.times);
    c.waitMs += r.waitMs;
    for (const [k, v] of Object.entries(r.statuses)) c.statuses[k] = (c.statuses[k] ?? 0) + v;
    byClass.set(r.name, c);
  }
  let allMet = true;
  for (const [name, a] of byClass) {
    const worst = Math.max(...a.times);
    allMet &&= worst <= a.deadline;
    console.log(
      `attack ${name}: ${a.times.length} answered, p50 ${fmt(pct(a.times, 50))}, max ${fmt(worst)} ` +
        `(deadline ${a.deadline} ms: ${worst <= a.deadline ? 'met' : 'MISSED'}); ` +
        Object.entries(a.statuses)
          .map(([k, v]) => `${v}× ${k}`)
          .join('; ') +
        `; the attacker itself waited ${seconds(a.waitMs)} for a CPU`,
    );
  }
  console.log(
    `server during the attack: event-loop delay ${lag} (sampled every 10 ms: idle reads 10 ms); ` +
      `main thread ${seconds(sched.main.run)} on a CPU, ${seconds(sched.main.wait)} runnable waiting for one; ` +
      `its other threads ${seconds(sched.others.run)} on a CPU, ${seconds(sched.others.wait)} waiting`,
  );
  // Other work on the machine at nice 0 competes with the server's event loop as an equal: it
  // shows as un-niced user time well beyond the server's and the good client's.
  console.log(
    `machine during the attack: ${seconds(machine.user)} user time at nice 0 (the server's main thread ` +
      `${seconds(sched.main.run)} on a CPU, the good client ${seconds(good.cpuMs)}, which waited ` +
      `${seconds(good.waitMs)} for a CPU), ${seconds(machine.niced)} niced user time (tools, builder ` +
      `threads, attackers), ${seconds(machine.system)} system time (any niceness), ${seconds(machine.idle)} idle, ` +
      `of ${seconds(windowMs * os.cpus().length)} (${os.cpus().length} cores × ${seconds(windowMs)}: the attack and its last answers)`,
  );
  const peak = serverRss().hwm;
  console.log(`server peak RSS: ${mib(peak)}`);
  console.log(
    `load average at end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const p99 = pct(good.lookups, 99);
  console.log(
    `targets: lookup p99 <= 50 ms (${fmt(p99)}: ${p99 <= 50 ? 'met' : 'MISSED'}), ` +
      `0 failed good requests (${good.failures.length}: ${good.failures.length === 0 ? 'met' : 'MISSED'}), ` +
      `peak RSS <= 1024 MiB (${mib(peak)}: ${peak <= 1024 ** 3 ? 'met' : 'MISSED'}), ` +
      `every attack within its deadline (${allMet ? 'met' : 'MISSED'})`,
  );
} finally {
  for (const c of children) c.kill('SIGKILL');
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(hive, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
}
