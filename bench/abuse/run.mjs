#!/usr/bin/env node
// Abuse benchmark (issue 12): for DURATION seconds several hostile clients attack a real
// `surfhive serve` (defaults, this machine's kernel, loopback) while one well-behaved client runs
// struct lookups and small compiles. The server, the good client and every attacker are processes
// of their own: the good client's latency holds no attacker's event-loop work.
// Prints the good client's lookup and compile p50/p99 and failures, the server's peak RSS, and
// each attack class's answer times against its deadline.
// Same-run baseline: the good client alone against the same server, before the attackers start.
// usage: node bench/abuse/run.mjs [--duration 30] [--baseline 10] [--per-class 1] [--attacker-nice 0]
// --attacker-nice N runs the attacker processes at nice N: real attackers sit on other machines,
// here their own client-side CPU shares the server's cores (the server's tools stay at nice 0).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  const names = Object.keys(attacks(setup));
  const attackers = names.flatMap((attack) =>
    Array.from({ length: PER_CLASS }, () => client('attacker.mjs', { attack, ms: DURATION }, ATTACKER_NICE)),
  );
  const good = await client('good-client.mjs', { ms: DURATION, tag: 'g' });
  const results = await Promise.all(attackers);
  report(
    `under attack (${attackers.length} attacker processes${ATTACKER_NICE ? ` at nice ${ATTACKER_NICE}` : ''}, ${names.length} classes, ${DURATION / 1000} s)`,
    good,
  );
  const byClass = new Map();
  for (const r of results) {
    const c = byClass.get(r.name) ?? { times: [], statuses: {}, deadline: r.deadline };
    c.times.push(...r.times);
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
          .join('; '),
    );
  }
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
