import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import { artifactDir } from '../../src/hive/layout.js';
import { recoverHive } from '../../src/hive/publish.js';
import { runTool } from '../../src/sandbox/exec.js';
import { ensureCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import {
  debKey,
  ingestMirror,
  KVERS,
  kernelState,
  leftovers,
  META_PACKAGE,
  packFiles,
} from './helpers/ingest-mirror.js';

// every case spawns the real CLI; on a busy shared machine each spawn takes seconds
t.setTimeout(20 * 60_000);
const m = await ingestMirror();
t.teardown(m.close);
const cli = await ensureCli();
let hiveN = 0;
const newHive = () => path.join(m.root, `hive-${hiveN++}`);
const FAULTED = KVERS[2];
const key = debKey(FAULTED);

const BASE_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: m.root };
const run = (args: string[], env: Record<string, string> = {}) =>
  runTool('node', [cli, ...args], { timeoutMs: 120_000, env: { ...BASE_ENV, ...env } });
const ingest = (hive: string, ...args: string[]) =>
  run(['ingest', '--hive', hive, '--arch', 'x86_64', '--mirror', m.mirrorArg, ...args]);

type Res = Awaited<ReturnType<typeof ingest>>;
const failsClearly = async (t: Test, res: Res, message: RegExp, code = 1) => {
  t.equal(res.code, code, `exit code ${code}`);
  t.match(res.stderr, /(^|\n)surfhive: /);
  t.match(res.stderr, message);
  t.notMatch(res.stderr, /\n\s+at /, 'no stack trace');
  t.notMatch(res.stderr, m.root, 'no host path');
};
/** A mistake on the command line: exit 2, one line, nothing done. */
const refused = async (t: Test, res: Res, message: RegExp) => {
  await failsClearly(t, res, message, 2);
  t.equal(res.stderr.trim().split('\n').length, 1, `one line: ${res.stderr.trim()}`);
  t.equal(res.stdout, '');
};

t.test('--list: a header, one row per installable kernel with its repository, no metapackage', async (t) => {
  const res = await ingest(newHive(), '--list', 'debian');
  t.equal(res.code, 0, res.stderr);
  const [header, ...rows] = res.stdout.trimEnd().split('\n');
  t.match(header, /^KERNEL \(uname -r\)\s+PACKAGE\s+VERSION\s+SIZE\s+REPOSITORY$/);
  t.same(
    rows.map((l) => l.split(/\s+/)[0]),
    ['6.1.0-56-amd64', '6.1.0-56-cloud-amd64', '6.1.0-60-amd64'],
  );
  t.match(
    rows[0],
    /^6\.1\.0-56-amd64\s+linux-image-6\.1\.0-56-amd64-dbg\s+6\.1\.158-1\s+[\d.]+ MB\s+bookworm\/main$/,
  );
  t.notMatch(res.stdout, META_PACKAGE, 'the metapackage is not offered');
  await failsClearly(t, await ingest(newHive(), 'debian', '6.1-amd64'), /no debian kernel debuginfo package/);
});

t.test('ingest end to end, re-run is a no-op, ambiguous versions list the candidates', async (t) => {
  const hive = newHive();
  const res = await ingest(hive, 'debian', FAULTED);
  t.equal(res.code, 0, res.stderr);
  t.match(
    res.stdout,
    /^x86_64\/debian\/6\.1\.0-60-amd64: published in [\d.]+ s \(\d+ structs, \d+ functions\); resolve [\d.]+ s, download [\d.]+ s, extract [\d.]+ s.*, build [\d.]+ s, publish [\d.]+ s; package dropped \(--keep-package keeps it\)\n$/,
    'one summary line',
  );
  t.equal(`${res.stdout}${res.stderr}`.match(/published/g)?.length, 1, '"published" once');
  t.match(res.stderr, /download 100%/, 'plain progress lines when not on a terminal');
  t.match(res.stderr, /sha256 verified/);
  const phaseEnds = res.stderr.split('\n').filter((l) => / in [\d.]+ s$/.test(l));
  t.same(
    phaseEnds.map((l) => l.split(/\s+/)[0]),
    ['resolve', 'download', 'extract', 'build', 'publish'],
    `each phase ends with its own time:\n${res.stderr}`,
  );
  t.notMatch(res.stderr, /^\{/m, 'no JSON log lines');
  t.equal(await kernelState(hive, key), 'complete');
  t.same(await packFiles(hive, key), [], 'the package is dropped once published');
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

  const short = await ingest(hive, 'debian', '6.1.0-56-cloud', '--keep-package');
  t.equal(short.code, 0, short.stderr);
  t.match(short.stdout, /6\.1\.0-56-cloud-amd64: published .*; package kept in .*x86_64\/pack\/debian\//);
  t.same(
    await packFiles(hive, debKey('6.1.0-56-cloud-amd64')),
    [m.fileName('6.1.0-56-cloud-amd64')],
    '--keep-package keeps it under pack/',
  );
});

t.test('bad command lines: exit 2, one line naming the argument, before the mirror is asked', async (t) => {
  const hive = newHive();
  const asked = m.mirror.requests.length;
  await refused(
    t,
    await ingest(hive, 'debian'),
    /^surfhive: VERSION is missing: give a version to ingest, or --list/,
  );
  await refused(
    t,
    await ingest(hive, 'debian', '../../etc'),
    /^surfhive: VERSION must look like a kernel release/,
  );
  await refused(
    t,
    await ingest(hive, 'nosuch', '1.0'),
    /^surfhive: RELEASE "nosuch" is not a known release; known releases: .*debian/,
  );
  await refused(
    t,
    await ingest(hive, '--mirror', 'junk', 'debian', '1.0'),
    /^surfhive: --mirror must look like RELEASE=URL/,
  );
  await refused(
    t,
    await ingest(hive, '--mirror', 'debain=http://127.0.0.1:9/', 'debian', '1.0'),
    /^surfhive: --mirror debain=\.\.\.: no release is called "debain"; known releases: .*debian/,
  );
  await refused(
    t,
    await ingest(hive, '--mirror', 'debian.nosuch=http://127.0.0.1:9/', 'debian', '1.0'),
    /^surfhive: --mirror debian\.nosuch=\.\.\.: debian has no base called "nosuch"; its bases: default, security/,
  );
  await refused(
    t,
    await run(['ingest', '--hive', hive, 'debian', '1.0'], {
      SURFHIVE_MIRRORS: 'debain=http://127.0.0.1:9/',
    }),
    /^surfhive: SURFHIVE_MIRRORS debain=\.\.\.: no release is called "debain"/,
  );
  await refused(
    t,
    await ingest(hive, '--arch', 'sparc', 'debian', '1.0'),
    /^surfhive: --arch must be one of x86_64, aarch64, not "sparc"/,
  );
  await refused(
    t,
    await ingest(hive, '--list', 'debian', '1.0'),
    /^surfhive: VERSION does not go with --list/,
  );
  await refused(
    t,
    await ingest(hive, '--drop-package', 'debian', '1.0'),
    /^surfhive: unknown option '--drop-package' \(Did you mean --keep-package\?\) \(see --help\)\n$/,
  );
  t.equal(m.mirror.requests.length, asked, 'the mirror was not asked');
  await failsClearly(t, await ingest(hive, 'debian', '9.9.9'), /no debian kernel debuginfo package/);
});

t.test('an unreachable mirror: the cause, the URL, and --mirror to use another', async (t) => {
  // generous for a busy machine, except where the timeout itself is the subject
  const fast = { SURFHIVE_MIRROR_TIMEOUT_MS: '15000', SURFHIVE_MIRROR_RETRIES: '0' };
  const via = (url: string, env: Record<string, string> = fast) =>
    run(
      ['ingest', '--hive', newHive(), '--arch', 'x86_64', '--mirror', `debian=${url}`, 'debian', FAULTED],
      env,
    );
  const hint = /; to use another mirror: --mirror debian=URL\n$/;

  // refused: a port just taken from the kernel and given back, so nothing listens on it
  const closedPort = await freePort();
  const refusedRun = await via(`http://127.0.0.1:${closedPort}/debian`);
  await failsClearly(
    t,
    refusedRun,
    new RegExp(
      `surfhive: could not reach http://127\\.0\\.0\\.1:${closedPort}/debian/dists/\\S+: connection refused by 127\\.0\\.0\\.1:${closedPort}`,
    ),
  );
  t.match(refusedRun.stderr, hint);

  // retried when asked to, each retry said
  const retried = await via(`http://127.0.0.1:${closedPort}/debian`, {
    ...fast,
    SURFHIVE_MIRROR_RETRIES: '1',
  });
  t.match(retried.stderr, /connection refused by .*; retry 1 in [\d.]+ s\n/);
  t.match(retried.stderr, hint);

  // a server that accepts and never answers
  const silent = net.createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.teardown(() => silent.close());
  const silentPort = (silent.address() as net.AddressInfo).port;
  const started = Date.now();
  const timedOut = await via(`http://127.0.0.1:${silentPort}/debian`, {
    ...fast,
    SURFHIVE_MIRROR_TIMEOUT_MS: '1000',
  });
  await failsClearly(
    t,
    timedOut,
    new RegExp(
      `surfhive: http://127\\.0\\.0\\.1:${silentPort}/debian/dists/\\S+ did not answer: timed out after 1 s \\(SURFHIVE_MIRROR_TIMEOUT_MS\\)`,
    ),
  );
  t.match(timedOut.stderr, hint);
  t.ok(Date.now() - started < 30_000, 'SURFHIVE_MIRROR_TIMEOUT_MS bounds the wait');

  // a mirror that has none of the release's repositories: 404 with the URL
  const notFound = await via(`${m.mirror.url}/nothing-here`);
  await failsClearly(
    t,
    notFound,
    /surfhive: none of the \d+ debian repositories exist on the mirror: http:\/\/127\.0\.0\.1:\d+\/nothing-here\/dists\/\S+ answered HTTP 404/,
  );
  t.match(notFound.stderr, hint);

  // the package itself answers 503 every time: the status, the URL
  m.mirror.faults.set(m.urlPath(FAULTED), { kind: 'status', status: 503 });
  const unavailable = await via(`${m.mirror.url}/debian`);
  m.mirror.faults.clear();
  await failsClearly(
    t,
    unavailable,
    new RegExp(`${m.urlPath(FAULTED).replace(/[.+]/g, '\\$&')} answered HTTP 503`),
  );
  t.match(unavailable.stderr, hint);

  // a host name that cannot resolve (.invalid is reserved for that): final at once, not retried
  const dns = await via('http://surfhive-mirror.invalid/debian', { ...fast, SURFHIVE_MIRROR_RETRIES: '3' });
  await failsClearly(
    t,
    dns,
    /surfhive: could not reach http:\/\/surfhive-mirror\.invalid\/debian\/dists\/\S+: DNS lookup of surfhive-mirror\.invalid failed/,
  );
  t.notMatch(dns.stderr, /retry/, 'a name that does not exist is not retried');
  t.match(dns.stderr, hint);
});

t.test('faults fail clearly, leave nothing, and a later run succeeds', async (t) => {
  const cases: [string, () => Promise<void>, RegExp][] = [
    [
      '404',
      async () => void m.mirror.faults.set(m.urlPath(FAULTED), { kind: 'status', status: 404 }),
      /answered HTTP 404; to use another mirror: --mirror debian=URL/,
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
  // a token that is none: test/cli/mistakes.test.ts (a usage mistake, exit 2)
});
