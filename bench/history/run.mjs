// History of `struct task_struct` (one member, then the whole struct) over N kernels, over HTTP on
// 127.0.0.1: the first request of a new server process (cold: new process, OS page cache warm) and
// then repeated requests (warm: the server keeps whole answers). Kernels are hard links of real kernel databases under N version
// names, so the registry and the server treat them as N kernels. The hive's struct layout index is
// built first, as publication would have (its build time and size are printed). Same-run baseline:
// better-sqlite3 alone opening the N databases and reading task_struct's members in each (what a
// history without the index must at least do), and bare node:http sending the largest answer's bytes
// (what a warm request can at best be).
// usage: node bench/history/run.mjs [--kernels 300] [--hive DIR (default: a hive of this machine's kernel)] [--warm 30]
import { spawn } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { args, cli, fmt, localHive, machineLine, pct, root } from '../lib/common.mjs';

const { LayoutIndexKeeper } = await import(path.join(root, 'dist/src/history/index-keeper.js'));
const { layoutIndexFile } = await import(path.join(root, 'dist/src/history/layout-index.js'));
const { HiveRegistry } = await import(path.join(root, 'dist/src/hive/registry.js'));
const { createLogger } = await import(path.join(root, 'dist/src/log/logger.js'));

const N = Number(args.kernels ?? 300);
const WARM = Number(args.warm ?? 30);
console.log(machineLine());
const source = args.hive ?? localHive('surfhive-bench-history-src-');

const dbs = [];
for (const arch of readdirSync(source).filter((d) => !d.startsWith('.'))) {
  const dbDir = path.join(source, arch, 'db');
  for (const rel of readdirSync(dbDir))
    for (const f of readdirSync(path.join(dbDir, rel))) dbs.push(path.join(dbDir, rel, f));
}
if (dbs.length === 0) throw new Error(`no kernel databases in ${source}`);

const hive = mkdtempSync(path.join(os.tmpdir(), 'surfhive-bench-history-'));
const dir = path.join(hive, 'x86_64', 'db', 'bench');
mkdirSync(dir, { recursive: true });
const files = [];
for (let i = 0; i < N; i++) {
  const f = path.join(dir, `info-5.${Math.floor(i / 20)}.${i % 20}-${i}-bench.db`);
  // a layout holds for a stretch of versions: consecutive kernels share a source database
  linkSync(dbs[Math.floor((i * dbs.length) / N)], f);
  files.push(f);
}
console.log(`kernels: ${N} (hard links of ${dbs.length} real databases from ${source})`);

// baseline: better-sqlite3 alone, every database opened and task_struct's members read
const t0 = performance.now();
let rows = 0;
for (const f of files) {
  const db = new Database(f, { readonly: true });
  const s = db.prepare("SELECT id FROM structs WHERE name = 'struct task_struct'").get();
  rows += db
    .prepare('SELECT types, name, offset, bytes, bits FROM members WHERE fid = ? ORDER BY id')
    .all(s.id).length;
  db.close();
}
const baseline = performance.now() - t0;

// the index, as publication would have left it
const registry = new HiveRegistry(hive, { pollMs: 0, watch: false });
await registry.refresh();
const keeper = new LayoutIndexKeeper(hive, createLogger('warn'));
const t1 = performance.now();
await keeper.reconcile(registry.list());
const indexMs = performance.now() - t1;
const counts = keeper.get().counts();
const { read, shared } = keeper.stats;
await keeper.close();
registry.close();
const indexBytes = ['', '-wal'].reduce(
  (n, x) => n + (statSync(layoutIndexFile(hive) + x, { throwIfNoEntry: false })?.size ?? 0),
  0,
);
console.log(
  `layout index (before any server starts, not in the figures below): built in ${fmt(indexMs)} on its thread ` +
    `(${read} databases read, ${shared} kernels sharing their rows; ${counts.layouts} distinct layouts, ${counts.placed} placements), ${(indexBytes / 1e6).toFixed(1)} MB`,
);

/** A new server process on a free port; resolves once it answers /healthz. */
async function server() {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--hive', hive, '--port', String(port), '--host', '127.0.0.1'],
    {
      env: { ...process.env, SURFHIVE_LOOKUP_RATE_LIMIT: '0', SURFHIVE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}`);
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    close: () =>
      new Promise((r) => {
        child.on('exit', r);
        child.kill('SIGTERM');
      }),
    base,
  };
}

async function timed(url) {
  const t = performance.now();
  const r = await fetch(url);
  const body = await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`${url}: ${r.status} ${Buffer.from(body).toString()}`);
  const ms = performance.now() - t;
  const text = Buffer.from(body).toString();
  return { ms, bytes: body.byteLength, text, json: JSON.parse(text) };
}

let sample;

for (const [label, q] of [
  ['member comm', '?member=comm'],
  ['member __state', '?member=__state'],
  ['whole struct', ''],
]) {
  const t2 = performance.now();
  const { close, base } = await server();
  const url = `${base}/api/v1/structs/task_struct/history${q}`;
  const startMs = performance.now() - t2;
  await timed(`${base}/healthz`);
  const cold = await timed(url);
  if (!sample || cold.bytes > sample.length) sample = cold.text;
  const warm = [];
  for (let i = 0; i < WARM; i++) warm.push((await timed(url)).ms);
  const health = [];
  for (let i = 0; i < WARM; i++) health.push((await timed(`${base}/healthz`)).ms);
  await close();
  console.log(
    `${label.padEnd(15)} cold ${fmt(cold.ms)}; warm p50 ${fmt(pct(warm, 50))} p95 ${fmt(pct(warm, 95))}; ` +
      `${cold.json.kernels.length} kernels, ${cold.json.runs.length} runs, ${cold.bytes} bytes; ` +
      `GET /healthz same server p50 ${fmt(pct(health, 50))} (server up in ${fmt(startMs)})`,
  );
}

// baseline for the warm figure: bare node:http sending the largest answer's bytes, prepared in advance
const bare = createServer((_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(sample));
await new Promise((r) => bare.listen(0, '127.0.0.1', r));
const bareUrl = `http://127.0.0.1:${bare.address().port}/`;
await timed(bareUrl);
const bareMs = [];
for (let i = 0; i < WARM; i++) bareMs.push((await timed(bareUrl)).ms);
bare.close();
console.log(
  `baseline: bare node:http answering the same ${sample.length} bytes: p50 ${fmt(pct(bareMs, 50))} p95 ${fmt(pct(bareMs, 95))}`,
);
console.log(
  `baseline: better-sqlite3 alone opening ${N} databases, task_struct members read (${rows} rows): ${fmt(baseline)}`,
);
rmSync(hive, { recursive: true, force: true });
