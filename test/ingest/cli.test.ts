import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import t, { type Test } from 'tap';
import { artifactDir } from '../../src/hive/layout.js';
import { recoverHive } from '../../src/hive/publish.js';
import { runTool } from '../../src/sandbox/exec.js';
import { ensureCli } from '../helpers/cli.js';
import { debKey, ingestMirror, KVERS, kernelState, leftovers, packFiles } from './helpers/ingest-mirror.js';

const m = await ingestMirror();
t.teardown(m.close);
const cli = await ensureCli();
let hiveN = 0;
const newHive = () => path.join(m.root, `hive-${hiveN++}`);
const FAULTED = KVERS[2];
const key = debKey(FAULTED);

const ingest = (hive: string, ...args: string[]) =>
  runTool('node', [cli, 'ingest', '--hive', hive, '--arch', 'x86_64', '--mirror', m.mirrorArg, ...args], {
    timeoutMs: 120_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: m.root },
  });

const failsClearly = async (t: Test, res: Awaited<ReturnType<typeof ingest>>, message: RegExp) => {
  t.equal(res.code, 1, 'exit code 1');
  t.match(res.stderr, /(^|\n)surfhive: /);
  t.match(res.stderr, message);
  t.notMatch(res.stderr, /\n\s+at /, 'no stack trace');
  t.notMatch(res.stderr, m.root, 'no host path');
};

t.test('--list shows what the mirror offers', async (t) => {
  const res = await ingest(newHive(), '--list', 'debian');
  t.equal(res.code, 0, res.stderr);
  const lines = res.stdout.trim().split('\n');
  t.same(
    lines.map((l) => l.split('\t')[0]),
    ['6.1.0-56-amd64', '6.1.0-56-cloud-amd64', '6.1.0-60-amd64'],
  );
  t.match(lines[0], /linux-image-6\.1\.0-56-amd64-dbg 6\.1\.158-1\t[\d.]+ MB/);
});

t.test('ingest end to end, re-run is a no-op, ambiguous versions list the candidates', async (t) => {
  const hive = newHive();
  const res = await ingest(hive, 'debian', FAULTED);
  t.equal(res.code, 0, res.stderr);
  t.match(
    res.stdout,
    /^x86_64\/debian\/6\.1\.0-60-amd64: published in [\d.]+ s \(\d+ structs, \d+ functions\)\n/,
  );
  t.match(res.stdout, /phases: resolve [\d.]+ s, download [\d.]+ s, extract [\d.]+ s.*, build [\d.]+ s/);
  t.match(res.stderr, /download 100%/, 'plain progress lines when not on a terminal');
  t.match(res.stderr, /sha256 verified/);
  t.equal(await kernelState(hive, key), 'complete');
  t.same(await packFiles(hive, key), [m.fileName(FAULTED)]);
  t.same(await leftovers(hive, key), []);

  const again = await ingest(hive, 'debian', FAULTED);
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, /already in the hive/);

  const amb = await ingest(hive, 'debian', '6.1.0-56');
  await failsClearly(
    t,
    amb,
    /matches 2 kernels: 6\.1\.0-56-amd64, 6\.1\.0-56-cloud-amd64; give a fuller version/,
  );

  const short = await ingest(hive, 'debian', '6.1.0-56-cloud', '--drop-package');
  t.equal(short.code, 0, short.stderr);
  t.match(short.stdout, /6\.1\.0-56-cloud-amd64: published/);
  t.same(await packFiles(hive, debKey('6.1.0-56-cloud-amd64')), [m.fileName(FAULTED)], 'only the kept one');
});

t.test('bad command lines fail with one line', async (t) => {
  const hive = newHive();
  await failsClearly(t, await ingest(hive, 'debian'), /give a version/);
  await failsClearly(t, await ingest(hive, 'debian', '../../etc'), /ver must look like/);
  await failsClearly(t, await ingest(hive, 'nosuch', '1.0'), /unknown release/);
  await failsClearly(t, await ingest(hive, '--mirror', 'junk', 'debian', '1.0'), /mirror must look like/);
  await failsClearly(t, await ingest(hive, '--arch', 'sparc', 'debian', '1.0'), /arch must be one of/);
  await failsClearly(t, await ingest(hive, 'debian', '9.9.9'), /no debian kernel debuginfo package/);
});

t.test('faults fail clearly, leave nothing, and a later run succeeds', async (t) => {
  const cases: [string, () => Promise<void>, RegExp][] = [
    [
      '404',
      async () => void m.mirror.faults.set(m.urlPath(FAULTED), { kind: 'status', status: 404 }),
      /HTTP 404/,
    ],
    ['checksum', () => m.lieAboutChecksum(FAULTED), /does not match the mirror's sha256/],
    [
      '../x member',
      async () =>
        m.replace(
          FAULTED,
          await m.hostile(FAULTED, [
            { name: '../x', data: Buffer.from('x') },
            { name: `./usr/lib/debug/boot/vmlinux-${FAULTED}`, data: m.elfBytes },
          ]),
        ),
      /climbs out/,
    ],
  ];
  for (const [name, set, message] of cases) {
    const hive = newHive();
    await set();
    await failsClearly(t, await ingest(hive, 'debian', FAULTED), message);
    t.equal(await kernelState(hive, key), 'absent', `${name}: nothing published`);
    t.same(await leftovers(hive, key), [], `${name}: no scratch left`);
    t.same(await packFiles(hive, key), [], `${name}: no package kept`);
    m.mirror.faults.clear();
    await m.restore(FAULTED);
    const ok = await ingest(hive, 'debian', FAULTED);
    t.equal(ok.code, 0, `${name}: a later run succeeds`);
    t.equal(await kernelState(hive, key), 'complete');
  }
});

t.test('kill -9 at any point leaves no partial kernel once the hive is recovered', async (t) => {
  const hive = newHive();
  const args = ['ingest', '--hive', hive, '--arch', 'x86_64', '--mirror', m.mirrorArg, 'debian', FAULTED];
  // Kill points spread over one whole run as timed here, denser towards build and publish.
  const started = Date.now();
  const timed = await ingest(newHive(), 'debian', FAULTED);
  t.equal(timed.code, 0, timed.stderr);
  const whole = Date.now() - started;
  const fractions = [0.15, 0.3, 0.45, 0.55, 0.65, 0.72, 0.78, 0.84, 0.88, 0.92, 0.95, 0.98, 1.02];
  const outcomes = new Set<string>();
  for (const [i, delayMs] of fractions.map((f) => Math.round(f * whole)).entries()) {
    const child = spawn('node', [cli, ...args], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, delayMs));
    child.kill('SIGKILL');
    await exited;
    await recoverHive(hive);
    const state = await kernelState(hive, key);
    outcomes.add(state);
    t.not(state, 'partial', `killed after ${delayMs} ms: ${state}`);
    t.same(await leftovers(hive, key), [], 'scratch removed by recovery');
    // start every round from an empty hive; every other round also without the kept package
    for (const kind of ['btf', 'head', 'db', 'funcs'])
      await fs.rm(artifactDir(hive, key.arch, kind as 'btf', key.release), { recursive: true, force: true });
    if (i % 2 === 0)
      await fs.rm(artifactDir(hive, key.arch, 'pack', key.release), { recursive: true, force: true });
  }
  t.comment(`outcomes seen: ${[...outcomes].join(', ')}`);
  const ok = await ingest(hive, 'debian', FAULTED);
  t.equal(ok.code, 0, ok.stderr);
  t.equal(await kernelState(hive, key), 'complete');
});

t.test('surfhive token new|hash: the server stores only the hash', async (t) => {
  const made = await runTool('node', [cli, 'token', 'new'], { timeoutMs: 30_000 });
  t.equal(made.code, 0, made.stderr);
  const [, token, hash] =
    /^token: (\S+)\nSURFHIVE_OPERATOR_TOKEN_HASHES=([0-9a-f]{64})\n$/.exec(made.stdout) ?? [];
  t.ok(token && hash, made.stdout);
  const hashed = await runTool('node', [cli, 'token', 'hash'], { timeoutMs: 30_000, input: `${token}\n` });
  t.equal(hashed.stdout.trim(), hash);
  const bad = await runTool('node', [cli, 'token', 'hash'], { timeoutMs: 30_000, input: 'two words' });
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^surfhive: a token is/);
});
