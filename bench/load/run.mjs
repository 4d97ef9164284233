#!/usr/bin/env node
// Mixed loopback load against a real deployment shape: `surfhive serve` with Redis and
// two remote `surfhive worker --api` processes, this machine's kernel.
//  phase "below limits": limits above the offered load → expect zero errors
//  phase "above limits": low per-client limits and a small compile backlog → expect shedding
//  (429/503 with Retry-After) and still zero other errors
// Traffic: ~98% lookups (POST /lbc struct/func/type and REST struct/function), ~2% compiles
// (REST .o and /lbc `c` .so; half repeat a few sources → cache hits, half unique).
// usage: node bench/load/run.mjs [--duration 20] [--clients 16] [--compiles 0.02]
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { arch, args, bpfFixture, cli, fmt, localHive, machineLine, pct, ver } from '../lib/common.mjs';

const DURATION = Number(args.duration ?? 20) * 1000;
const CLIENTS = Number(args.clients ?? 16);
const COMPILE_SHARE = Number(args.compiles ?? 0.02);
const fixture = bpfFixture('hello');
const STRUCTS = ['task_struct', 'file', 'inode', 'sk_buff', 'mm_struct', 'dentry', 'sock', 'super_block'];
const FUNCS = ['vfs_read', 'vfs_write', 'do_sys_openat2', 'tcp_sendmsg', 'schedule', 'wake_up_new_task'];
const TYPES = ['u32', 'pid_t', 'size_t', 'loff_t'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
const freePort = () =>
  new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

const procs = [];
function start(cmd, argv, env) {
  const p = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  procs.push(p);
  return p;
}
async function stop(p) {
  if (p.exitCode !== null) return;
  p.kill('SIGTERM');
  await new Promise((r) => p.once('exit', r));
}
async function waitOk(url) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`${url} never became ready`);
}

// ---- one deployment: redis + api + 2 remote workers -------------------------------------
const hive = localHive('surfhive-bench-load-');
const redisPort = await freePort();
const redisDir = mkdtempSync(path.join(os.tmpdir(), 'surfhive-bench-redis-'));
const redis = start(
  'redis-server',
  [
    '--port',
    String(redisPort),
    '--bind',
    '127.0.0.1',
    '--dir',
    redisDir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--maxmemory-policy',
    'noeviction',
  ],
  {},
);
const token = randomBytes(24).toString('base64url');
const tokenHash = createHash('sha256').update(token).digest('hex');

async function deployment(limits, fn) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const common = {
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    SURFHIVE_QUEUE_PREFIX: prefix,
    SURFHIVE_LOG_LEVEL: 'warn',
  };
  const api = start('node', [cli, 'serve', '--hive', hive, '--port', String(port), '--host', '127.0.0.1'], {
    ...common,
    SURFHIVE_WORKER_TOKEN_HASHES: tokenHash,
    ...limits,
  });
  await waitOk(`${base}/readyz`);
  const workers = [0, 1].map((i) =>
    start('node', [cli, 'worker', '--api', base, '--concurrency', '1'], {
      ...common,
      SURFHIVE_WORKER_TOKEN: token,
      SURFHIVE_WORK_DIR: path.join(hive, `.bench-worker-${i}`),
    }),
  );
  try {
    return await fn(base);
  } finally {
    for (const w of workers) await stop(w);
    await stop(api);
  }
}

// ---- the load ----------------------------------------------------------------------------
let nonce = 0;
const repeated = [0, 1, 2].map((i) => `${fixture}\n/* repeated ${i} */\n`);
const compileSource = () =>
  Math.random() < 0.5 ? pick(repeated) : `${fixture}\n/* unique ${process.pid} ${nonce++} */\n`;

const lbcBody = (item) => JSON.stringify([{ ver, arch, ...item }]);
const lookups = [
  () => ({
    url: '/lbc',
    init: { method: 'POST', body: lbcBody({ cmd: 'struct', struct: `struct ${pick(STRUCTS)}` }) },
    lbc: true,
  }),
  () => ({
    url: '/lbc',
    init: { method: 'POST', body: lbcBody({ cmd: 'func', func: pick(FUNCS) }) },
    lbc: true,
  }),
  () => ({
    url: '/lbc',
    init: { method: 'POST', body: lbcBody({ cmd: 'type', type: pick(TYPES) }) },
    lbc: true,
  }),
  () => ({ url: `/api/v1/kernels/${arch}/${ver}/structs/${pick(STRUCTS)}`, init: {} }),
  () => ({ url: `/api/v1/kernels/${arch}/${ver}/functions/${pick(FUNCS)}`, init: {} }),
];
const compiles = [
  () => ({
    url: '/api/v1/compile?wait=30',
    init: {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ arch, ver, output: 'o', source: compileSource() }),
    },
    rest: true,
  }),
  () => ({
    url: '/lbc',
    init: { method: 'POST', body: lbcBody({ cmd: 'c', code: compileSource(), env: '' }) },
    lbc: true,
  }),
];

/** One request: 'ok' | 'shed429' | 'shed503' | 'error:<why>'. A missing symbol is a valid answer. */
async function one(base, req) {
  let res;
  try {
    res = await fetch(`${base}${req.url}`, { ...req.init, signal: AbortSignal.timeout(35_000) });
  } catch (e) {
    return `error:${e.cause?.code ?? e.name}`;
  }
  const text = await res.text();
  if (res.status === 429) return res.headers.get('retry-after') ? 'shed429' : 'error:429-without-retry-after';
  if (res.status === 503) return res.headers.get('retry-after') ? 'shed503' : 'error:503-without-retry-after';
  if (req.lbc) {
    if (res.status !== 200) return `error:lbc-${res.status}`;
    const log = JSON.parse(text).res?.[0]?.log ?? '';
    if (log === 'ok.' || /not found|no such|not exist/i.test(log)) return 'ok';
    if (/too many compiles|retry later/i.test(log)) return 'shed503';
    return `error:lbc-log:${log.slice(0, 40)}`;
  }
  if (req.rest) {
    const body = JSON.parse(text);
    return res.status === 200 && body.status === 'completed'
      ? 'ok'
      : `error:compile-${res.status}-${body.status}`;
  }
  return res.status === 200 || res.status === 404 ? 'ok' : `error:${res.status}`;
}

async function run(base, label) {
  const lat = { lookup: [], compile: [] };
  const counts = {};
  const deadline = Date.now() + DURATION;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < deadline) {
        const kind = Math.random() < COMPILE_SHARE ? 'compile' : 'lookup';
        const req = pick(kind === 'compile' ? compiles : lookups)();
        const s = performance.now();
        const outcome = await one(base, req);
        const ms = performance.now() - s;
        if (outcome === 'ok') lat[kind].push(ms);
        counts[`${kind}:${outcome}`] = (counts[`${kind}:${outcome}`] ?? 0) + 1;
        if (outcome.startsWith('shed')) await sleep(50); // a client backing off, as told
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const sum = (re) =>
    Object.entries(counts)
      .filter(([k]) => re.test(k))
      .reduce((a, [, v]) => a + v, 0);
  console.log(`\n== ${label} (${CLIENTS} clients, ${(DURATION / 1000).toFixed(0)} s) ==`);
  console.log(
    `requests ${total}, throughput ${(total / secs).toFixed(0)} req/s (${(sum(/^lookup:ok/) / secs).toFixed(0)} lookups/s ok, ${(sum(/^compile:ok/) / secs).toFixed(2)} compiles/s ok)`,
  );
  console.log(
    `lookups  ok ${lat.lookup.length}: p50 ${fmt(pct(lat.lookup, 50))}, p99 ${fmt(pct(lat.lookup, 99))}`,
  );
  console.log(
    `compiles ok ${lat.compile.length}: p50 ${fmt(pct(lat.compile, 50))}, p99 ${fmt(pct(lat.compile, 99))}`,
  );
  console.log(`shed: 429 ${sum(/:shed429$/)}, 503 ${sum(/:shed503$/)}; errors ${sum(/:error/)}`);
  for (const [k, v] of Object.entries(counts).filter(([k]) => k.includes(':error')))
    console.log(`  ${k}: ${v}`);
  return { total, errors: sum(/:error/), shed: sum(/:shed/) };
}

console.log(machineLine());
let failed = false;
try {
  const below = await deployment(
    {
      SURFHIVE_LOOKUP_RATE_LIMIT: '10000000',
      SURFHIVE_COMPILE_RATE_LIMIT: '100000',
      SURFHIVE_MAX_COMPILE_BACKLOG: '200',
    },
    (base) => run(base, 'below limits'),
  );
  if (below.errors > 0 || below.shed > 0) failed = true;
  const above = await deployment(
    {
      SURFHIVE_LOOKUP_RATE_LIMIT: '3000',
      SURFHIVE_COMPILE_RATE_LIMIT: '60',
      SURFHIVE_RATE_WINDOW_MS: '10000',
      SURFHIVE_MAX_COMPILE_BACKLOG: '2',
    },
    (base) => run(base, 'above limits (lookups 300/s, compiles 6/s per client, backlog 2)'),
  );
  if (above.errors > 0 || above.shed === 0) failed = true;
} finally {
  await stop(redis);
  rmSync(hive, { recursive: true, force: true });
  rmSync(redisDir, { recursive: true, force: true });
}
console.log(
  failed
    ? '\nFAIL: errors below the limits, or no shedding above them'
    : '\nOK: no errors below the limits; shedding only with 429/503 above them',
);
process.exitCode = failed ? 1 : 0;
