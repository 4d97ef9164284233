#!/usr/bin/env node
// Abuse benchmark (issue 12): for DURATION seconds several hostile clients attack a real
// `surfhive serve` (defaults, this machine's kernel, loopback) while one well-behaved client runs
// struct lookups and small compiles. Prints the good client's lookup and compile p50/p99 and
// failures, the server's peak RSS, and each attack's answer times against its deadline.
// Same-run baseline: the good client alone, before the attackers start.
// usage: node bench/abuse/run.mjs [--duration 30] [--baseline 10]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { arch, args, cli, fmt, localHive, machineLine, pct, ver } from '../lib/common.mjs';

const DURATION = Number(args.duration ?? 30) * 1000;
const BASELINE = Number(args.baseline ?? 10) * 1000;
/** Legacy clients give up after 30 s: the bound every compile-path answer must meet. */
const CLIENT_PATIENCE = 30_000;

console.log(machineLine());
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
const nestKo = readFileSync(path.join(scratch, 'nest.ko')).toString('base64');
const bigFile = execFileSync('sh', ['-c', 'ls -S /usr/lib/x86_64-linux-gnu/*.so* | head -1'])
  .toString()
  .trim();

const NESTED = Buffer.from('['.repeat(6 << 20));
const lbc = (items, headers = {}) => ({
  url: `${base}/lbc`,
  init: { method: 'POST', body: JSON.stringify(items), headers },
});
const source = (n) =>
  `#include "lbc.h"\nSEC("tracepoint/syscalls/sys_enter_getpid") int p${n}(void *ctx) { return 0; }\nchar _license[] SEC("license") = "GPL";\n`;

/** Each attack: what it sends, and the deadline its answer must meet. */
const ATTACKS = {
  'incbin-large-file': {
    deadline: CLIENT_PATIENCE,
    req: (n) =>
      lbc([{ cmd: 'obj', ver, arch, env: '', code: `asm(".incbin \\"${bigFile}\\"");\n/* ${n} */\n` }]),
  },
  'incbin-dev-zero-so': {
    deadline: CLIENT_PATIENCE,
    req: (n) =>
      lbc([{ cmd: 'c', ver, arch, env: '', code: `asm(".incbin \\"/dev/zero\\"");\n/* ${n} */\n` }]),
  },
  'nested-json-6MB': {
    deadline: 2_000,
    req: () => ({ url: `${base}/lbc`, init: { method: 'POST', body: NESTED } }),
  },
  'sixteen-obj-spelled': {
    deadline: CLIENT_PATIENCE,
    req: (n) => ({
      url: `${base}/lbc`,
      init: {
        method: 'POST',
        body: `[${Array.from({ length: 16 }, (_, i) => `{"cmd":"\\u006fbj","ver":"${ver}","arch":"${arch}","code":"int v${n}_${i};"}`).join(',')}]`,
      },
    }),
  },
  'ko-nested-structs': {
    deadline: CLIENT_PATIENCE,
    req: () => lbc([{ cmd: 'ko', ver, arch, kos: { 'nest.ko': nestKo } }]),
  },
  'bootstrap-evil-host': {
    deadline: 2_000,
    // fetch() drops a Host header it is given, so this one goes over a plain http.get.
    req: () => ({
      raw: { path: '/api/v1/surftrace?kernel=auto&e=p%20wake_up_new_task', host: "evil.example';rm -rf /" },
    }),
  },
};

function rawGet({ path: p, host }) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, headers: { host } }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', (err) => resolve({ status: 0, text: String(err) }));
  });
}

async function timed(url, init, raw) {
  const t0 = performance.now();
  if (raw) {
    const r = await rawGet(raw);
    return { ...r, ms: performance.now() - t0 };
  }
  try {
    const r = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
    const text = await r.text();
    return { ms: performance.now() - t0, status: r.status, text };
  } catch (err) {
    return { ms: performance.now() - t0, status: 0, text: String(err) };
  }
}

let peakRss = 0;
const rssTimer = setInterval(() => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'));
    if (m) peakRss = Math.max(peakRss, Number(m[1]) * 1024);
  } catch {}
}, 500);

const STRUCTS = ['task_struct', 'sk_buff', 'file', 'inode', 'mm_struct', 'net_device'];
/** The well-behaved client: lookups back to back, a small unique compile every 3 s. */
async function goodClient(ms, tag) {
  const out = { lookups: [], compiles: [], failures: [] };
  const end = performance.now() + ms;
  let n = 0;
  const compiles = (async () => {
    while (performance.now() < end) {
      const { url, init } = lbc([
        { cmd: 'obj', ver, arch, env: '', code: source(`${tag}${n++}${Date.now()}`) },
      ]);
      const r = await timed(url, init);
      const ok = r.status === 200 && JSON.parse(r.text).res?.[0]?.log === 'ok.';
      if (ok) out.compiles.push(r.ms);
      else out.failures.push(`compile ${r.status} ${r.text.slice(0, 160)}`);
      await new Promise((res) => setTimeout(res, 3_000));
    }
  })();
  while (performance.now() < end) {
    const { url, init } = lbc([
      { cmd: 'struct', ver, arch, struct: `struct ${STRUCTS[n++ % STRUCTS.length]}` },
    ]);
    const r = await timed(url, init);
    const ok = r.status === 200 && JSON.parse(r.text).res?.[0]?.log === 'ok.';
    if (ok) out.lookups.push(r.ms);
    else out.failures.push(`lookup ${r.status} ${r.text.slice(0, 160)}`);
    await new Promise((res) => setTimeout(res, 20));
  }
  await compiles;
  return out;
}

async function attacker(name, ms) {
  const a = ATTACKS[name];
  const times = [];
  const statuses = new Map();
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    const { url, init, raw } = a.req(`${process.pid}-${n++}`);
    const r = await timed(url, init, raw);
    times.push(r.ms);
    let label = String(r.status);
    try {
      const log = JSON.parse(r.text).res?.[0]?.log ?? JSON.parse(r.text).code;
      if (log) label += ` ${String(log).slice(0, 50)}`;
    } catch {}
    statuses.set(label, (statuses.get(label) ?? 0) + 1);
  }
  return { name, times, statuses, deadline: a.deadline };
}

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
  report('baseline (good client alone)', await goodClient(BASELINE, 'b'));
  const attackers = Object.keys(ATTACKS).map((name) => attacker(name, DURATION));
  const good = await goodClient(DURATION, 'g');
  report(`under attack (${Object.keys(ATTACKS).length} attacking clients, ${DURATION / 1000} s)`, good);
  for (const a of await Promise.all(attackers)) {
    const worst = Math.max(...a.times);
    console.log(
      `attack ${a.name}: ${a.times.length} answered, p50 ${fmt(pct(a.times, 50))}, max ${fmt(worst)} ` +
        `(deadline ${a.deadline} ms: ${worst <= a.deadline ? 'met' : 'MISSED'}); ` +
        [...a.statuses].map(([k, v]) => `${v}× ${k}`).join('; '),
    );
  }
  console.log(`server peak RSS: ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);
  console.log(
    `targets: lookup p99 <= 50 ms, 0 failed good requests, peak RSS <= 1024 MiB, every attack within its deadline`,
  );
} finally {
  clearInterval(rssTimer);
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(hive, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
}
