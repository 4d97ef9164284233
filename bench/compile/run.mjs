#!/usr/bin/env node
// Compile benchmark against a real `surfhive serve` on loopback, this machine's kernel:
//  - cold .o and .so latency (every source unique, so nothing comes from the cache)
//  - cache-hit latency (the same request again)
//  - throughput of 50 concurrent unique compiles with 1 and then 2 workers
// usage: node bench/compile/run.mjs [--cold N=15] [--hits N=200] [--burst N=50] [--output o|so]
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { arch, args, bpfFixture, cli, fmt, localHive, machineLine, pct, ver } from '../lib/common.mjs';

const COLD = Number(args.cold ?? 15);
const HITS = Number(args.hits ?? 200);
const BURST = Number(args.burst ?? 50);
const BURST_OUTPUT = args.output ?? 'o';
const fixture = bpfFixture('event_out');
const hive = localHive('surfhive-bench-compile-');

async function withServer(concurrency, fn) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = spawn(
    'node',
    [cli, 'serve', '--hive', hive, '--port', String(port), '--host', '127.0.0.1'],
    {
      env: {
        ...process.env,
        SURFHIVE_LOG_LEVEL: 'warn',
        SURFHIVE_COMPILE_CONCURRENCY: String(concurrency),
        SURFHIVE_MAX_COMPILE_BACKLOG: '1000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    return await fn(base);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

let nonce = 0;
const unique = () => `${fixture}\n/* bench ${process.pid} ${Date.now()} ${nonce++} */\n`;

async function compile(base, source, output) {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/compile?wait=30`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source, arch, ver, output }),
  });
  const body = await res.json();
  if (body.status !== 'completed')
    throw new Error(`compile did not complete: ${JSON.stringify(body).slice(0, 300)}`);
  return performance.now() - t0;
}

console.log(machineLine());
await withServer(2, async (base) => {
  await compile(base, unique(), 'so'); // first compile also hashes vmlinux.h and the toolchain
  for (const output of ['o', 'so']) {
    const times = [];
    for (let i = 0; i < COLD; i++) times.push(await compile(base, unique(), output));
    console.log(
      `cold .${output}: p50 ${fmt(pct(times, 50))}, p90 ${fmt(pct(times, 90))} (n=${COLD}, sequential)`,
    );
  }
  const hot = unique();
  await compile(base, hot, 'so');
  const hits = [];
  for (let i = 0; i < HITS; i++) hits.push(await compile(base, hot, 'so'));
  console.log(`cache hit .so: p50 ${fmt(pct(hits, 50))}, p99 ${fmt(pct(hits, 99))} (n=${HITS})`);
});

const rates = {};
for (const workers of [1, 2]) {
  await withServer(workers, async (base) => {
    await compile(base, unique(), BURST_OUTPUT);
    const t0 = performance.now();
    const lat = await Promise.all(Array.from({ length: BURST }, () => compile(base, unique(), BURST_OUTPUT)));
    const secs = (performance.now() - t0) / 1000;
    rates[workers] = BURST / secs;
    console.log(
      `throughput .${BURST_OUTPUT}, ${workers} worker(s), ${BURST} concurrent: ${rates[workers].toFixed(2)} compiles/s (${secs.toFixed(1)} s; p50 ${fmt(pct(lat, 50))})`,
    );
  });
}
console.log(`scaling 2 workers / 1 worker: ${(rates[2] / rates[1]).toFixed(2)}x`);
rmSync(hive, { recursive: true, force: true });
