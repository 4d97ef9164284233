import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { UnrecoverableError } from 'bullmq';
import pino from 'pino';
import t, { type Test } from 'tap';
import { loadConfig } from '../../src/config/config.js';
import type { SurfhiveError } from '../../src/errors/codes.js';
import { artifactPath } from '../../src/hive/layout.js';
import { TransientError } from '../../src/ingest/http.js';
import { type IngestDeps, type IngestJobData, ingestJobId, runIngest } from '../../src/ingest/run.js';
import { ingestProcessor, ingestQueue } from '../../src/jobs/ingest.js';
import { type JobContext, JobFailedError } from '../../src/queue/types.js';
import { startRedis } from '../helpers/redis.js';
import { RUNNER } from '../helpers/tools.js';
import { makeTar } from './helpers/fixtures.js';
import { debKey, ingestMirror, KVERS, kernelState, leftovers, packFiles } from './helpers/ingest-mirror.js';

const m = await ingestMirror();
t.teardown(m.close);
const logger = pino({ level: 'silent' });
let hiveN = 0;
const newHive = () => path.join(m.root, `hive-${hiveN++}`);

const fast = (hive: string): IngestDeps => ({
  hive,
  logger,
  runner: RUNNER,
  download: { retryBaseMs: 10, stallTimeoutMs: 500, retries: 2 },
  retry: { retries: 1, baseDelayMs: 10 },
  fetch: { stallMs: 2000 },
  caps: { maxPayloadBytes: 16 * 1024 * 1024 },
});

function context(data: Partial<IngestJobData> & { version: string }) {
  const logs: string[] = [];
  const progress: unknown[] = [];
  const job: JobContext<IngestJobData> = {
    id: 'test',
    attempt: 1,
    signal: new AbortController().signal,
    data: { release: 'debian', arch: 'x86_64', mirrors: m.mirrors, ...data },
    log: async (l) => {
      logs.push(l);
    },
    progress: async (p) => {
      progress.push(p);
    },
  };
  return { job, logs, progress };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as SurfhiveError,
  );

const FAULTED = KVERS[2];
const key = debKey(FAULTED);

t.test('ingest end to end: published, rows right, package kept, overlapped', async (t) => {
  const hive = newHive();
  const { job, logs, progress } = context({ version: FAULTED, keepPackage: true });
  const r = await runIngest(fast(hive), job);
  t.equal(r.published, true);
  t.same(r.kernel, key);
  t.equal(r.overlapped, true, 'extraction ran while downloading');
  t.equal(await kernelState(hive, key), 'complete');
  const db = new Database(artifactPath(hive, key, 'db'), { readonly: true });
  const meta = Object.fromEntries(
    (db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((x) => [
      x.key,
      x.value,
    ]),
  );
  t.equal(meta.release, 'debian');
  t.equal(meta.ver, FAULTED);
  t.equal(meta.modules_dir, 'no');
  t.ok((db.prepare('SELECT count(*) AS n FROM structs').get() as { n: number }).n > 0, 'struct rows');
  t.ok((db.prepare('SELECT count(*) AS n FROM funs').get() as { n: number }).n > 0, 'function rows');
  db.close();
  t.same(await packFiles(hive, key), [m.fileName(FAULTED)], 'package kept under pack/');
  t.same(await leftovers(hive, key), [], 'no scratch left');
  t.match(logs.join('\n'), /resolving debian 6\.1\.0-60-amd64[\s\S]*sha256 verified[\s\S]*is in the hive/);
  const phases = progress.map((p) => (p as { phase: string }).phase).filter((p, i, a) => p !== a[i - 1]);
  t.same(phases, ['resolve', 'download', 'extract', 'build', 'publish', 'done'], 'each phase in order');
  t.ok(r.timings.publishMs > 0 && r.timings.buildMs > 0, 'build and publish timed apart');
  t.match(progress.at(-1), { phase: 'done', percent: 100 });
  t.ok(
    progress.some((p) => (p as { phase: string }).phase === 'download'),
    'download progress reported',
  );

  const again = context({ version: FAULTED });
  const r2 = await runIngest(fast(hive), again.job);
  t.equal(r2.published, false, 're-run after success is a no-op');
  t.match(again.logs.join('\n'), /already in the hive/);

  const forced = await runIngest(fast(hive), context({ version: FAULTED, force: true }).job);
  t.equal(forced.published, true, '--force rebuilds');
  t.equal(forced.package?.kept, true, 'from the kept package');
  t.equal(forced.timings.downloadMs, 0, 'no download');
});

t.test('short version, ambiguity, unknown version, package dropped by default', async (t) => {
  const hive = newHive();
  const amb = await failure(runIngest(fast(hive), context({ version: '6.1.0-56' }).job));
  t.equal(amb?.kind, 'AMBIGUOUS_VERSION');
  t.match(amb?.message, /6\.1\.0-56-amd64.*6\.1\.0-56-cloud-amd64.*fuller version/);
  const none = await failure(runIngest(fast(hive), context({ version: '9.9.9' }).job));
  t.equal(none?.kind, 'KERNEL_NOT_FOUND');
  const r = await runIngest(fast(hive), context({ version: '6.1.0-56-cloud' }).job);
  t.equal(r.kernel.ver, '6.1.0-56-cloud-amd64', 'short version resolved');
  t.same(await packFiles(hive, r.kernel), [], 'package dropped by default');
  t.equal(r.package?.kept, false);
  t.same(await leftovers(hive, r.kernel), []);
});

t.test('the same kernel is never ingested twice at once', async (t) => {
  const hive = newHive();
  const [a, b] = await Promise.allSettled([
    runIngest(fast(hive), context({ version: FAULTED }).job),
    runIngest(fast(hive), context({ version: FAULTED }).job),
  ]);
  const ok = [a, b].filter((x) => x.status === 'fulfilled').map((x) => x.value);
  const bad = [a, b].filter((x) => x.status === 'rejected').map((x) => x.reason as SurfhiveError);
  t.equal(ok.filter((r) => r.published).length, 1, 'exactly one publication');
  for (const e of bad) t.match(e, { kind: 'KERNEL_CONFLICT', message: /being ingested by another job/ });
  t.equal(await kernelState(hive, key), 'complete');
});

const vmlinuxMember = `./usr/lib/debug/boot/vmlinux-${FAULTED}`;
type Fault = { name: string; set: () => Promise<void>; kind: string; message: RegExp; transient?: boolean };
const faults: Fault[] = [
  {
    name: 'a 404',
    set: async () => void m.mirror.faults.set(m.urlPath(FAULTED), { kind: 'status', status: 404 }),
    kind: 'DOWNLOAD_FAILED',
    message: /HTTP 404/,
  },
  {
    name: 'a 500 that does not stop',
    set: async () => void m.mirror.faults.set(m.urlPath(FAULTED), { kind: 'status', status: 500, times: 50 }),
    kind: 'DOWNLOAD_FAILED',
    message: /HTTP 500/,
    transient: true,
  },
  {
    name: 'a connection cut mid-file, every time',
    set: async () =>
      void m.mirror.faults.set(m.urlPath(FAULTED), { kind: 'cut', afterBytes: 500, times: 50 }),
    kind: 'DOWNLOAD_FAILED',
    message: /connection (closed early|failed mid-transfer)/,
    transient: true,
  },
  {
    name: 'a stalled server',
    set: async () =>
      void m.mirror.faults.set(m.urlPath(FAULTED), { kind: 'stall', afterBytes: 500, times: 50 }),
    kind: 'DOWNLOAD_FAILED',
    message: /no data for/,
    transient: true,
  },
  {
    name: 'a wrong checksum',
    set: () => m.lieAboutChecksum(FAULTED),
    kind: 'CHECKSUM_MISMATCH',
    message: /does not match the mirror's sha256/,
  },
  {
    name: 'a package that is not what its name says',
    set: async () => m.replace(FAULTED, await fs.readFile(path.join(m.root, 'other.deb'))),
    kind: 'BAD_ARCHIVE',
    message: /not the one the mirror metadata describes/,
  },
  {
    name: 'a member named ../x',
    set: async () =>
      m.replace(
        FAULTED,
        await m.hostile(FAULTED, [
          { name: '../x', data: Buffer.from('x') },
          { name: vmlinuxMember, data: m.elfBytes },
        ]),
      ),
    kind: 'BAD_ARCHIVE',
    message: /climbs out/,
  },
  {
    name: 'a member named /etc/x',
    set: async () =>
      m.replace(FAULTED, await m.hostile(FAULTED, [{ name: '/etc/x', data: Buffer.from('x') }])),
    kind: 'BAD_ARCHIVE',
    message: /absolute path/,
  },
  {
    name: 'a symlink member',
    set: async () =>
      m.replace(
        FAULTED,
        await m.hostile(FAULTED, [{ name: vmlinuxMember, type: 'symlink', linkname: '/etc/passwd' }]),
      ),
    kind: 'BAD_ARCHIVE',
    message: /symlink/,
  },
  {
    name: 'a decompression bomb',
    set: async () => {
      const tar = await makeTar([{ name: './usr/share/zeros', data: Buffer.alloc(64 * 1024 * 1024) }]);
      await m.replace(FAULTED, await m.hostile(FAULTED, [], zlib.gzipSync(tar, { level: 9 })));
    },
    kind: 'BAD_ARCHIVE',
    message: /size limit/,
  },
];

// The package of another kernel, to be served under this one's name.
await fs.copyFile(
  path.join(m.root, 'www/debian', m.urlPath(KVERS[0]).replace('/debian/', '')),
  path.join(m.root, 'other.deb'),
);

const checkClean = async (t: Test, hive: string) => {
  t.equal(await kernelState(hive, key), 'absent', 'nothing published');
  t.same(await leftovers(hive, key), [], 'no scratch or partial files left');
  t.same(await packFiles(hive, key), [], 'no package kept');
};

for (const f of faults) {
  t.test(`fault: ${f.name} → clear error, nothing left, then a later run succeeds`, async (t) => {
    const hive = newHive();
    await f.set();
    const { job } = context({ version: FAULTED });
    const err = await failure(runIngest(fast(hive), job));
    t.equal(err?.kind, f.kind, String(err?.message));
    t.match(err?.message, f.message);
    t.notMatch(err?.message, m.root, 'no host path in the message');
    await checkClean(t, hive);
    // the queue's processor: user errors are final, network faults are retried
    const perr = await failure(ingestProcessor(fast(hive))(context({ version: FAULTED }).job));
    if (f.transient) t.ok(perr instanceof TransientError, 'retried by the queue');
    else t.ok(perr instanceof UnrecoverableError, 'not retried by the queue');
    await checkClean(t, hive);

    m.mirror.faults.clear();
    await m.restore(FAULTED);
    const r = await runIngest(fast(hive), context({ version: FAULTED }).job);
    t.equal(r.published, true);
    t.equal(await kernelState(hive, key), 'complete');
    t.same(await leftovers(hive, key), []);
  });
}

t.test('a cut that happens once is resumed within the same run', async (t) => {
  const hive = newHive();
  m.mirror.faults.set(m.urlPath(FAULTED), { kind: 'cut', afterBytes: 3000, times: 1 });
  const before = m.mirror.requests.length;
  const r = await runIngest(fast(hive), context({ version: FAULTED }).job);
  t.equal(r.published, true);
  const reqs = m.mirror.requests.slice(before).filter((q) => q.path === m.urlPath(FAULTED));
  t.equal(reqs.length, 2);
  t.match(reqs[1]?.range, /^bytes=\d+-$/, 'resumed with a Range request');
});

t.test('in-process queue: status, progress, log; failures are final or retried', async (t) => {
  const hive = newHive();
  const config = loadConfig({}, { hive, redisUrl: undefined });
  const q = await ingestQueue(config, hive, logger, { ...fast(hive), name: 'ingest-inline' });
  t.teardown(q.close);
  const data: IngestJobData = { release: 'debian', version: FAULTED, arch: 'x86_64', mirrors: m.mirrors };
  const id = await q.queue.submit('ingest', data, { jobId: ingestJobId(data) });
  t.equal(id, `ingest-x86_64-debian-${FAULTED}`);
  t.equal(await q.queue.submit('ingest', data, { jobId: id }), id, 'a second submit joins the first');
  const r = await q.queue.wait(id, 120_000);
  t.equal(r.published, true);
  const s = await q.queue.get(id);
  t.equal(s?.status, 'completed');
  t.equal(s?.attempts, 1, 'ran once');
  t.match(s?.progress, { phase: 'done', percent: 100 });
  t.match(s?.logs.join('\n'), /x86_64\/debian\/6\.1\.0-60-amd64 is in the hive/);

  m.mirror.faults.set(m.urlPath(KVERS[0]), { kind: 'status', status: 404 });
  const bad = { ...data, version: KVERS[0] };
  const badId = await q.queue.submit('ingest', bad, { jobId: ingestJobId(bad) });
  const err = await q.queue.wait(badId, 60_000).catch((e: unknown) => e);
  t.ok(err instanceof JobFailedError && err.unrecoverable, 'a 404 fails at once');
  t.match((await q.queue.get(badId))?.error, /HTTP 404/);
  t.equal((await q.queue.get(badId))?.attempts, 1);
  m.mirror.faults.clear();
});

t.test('BullMQ mode with a real Redis', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const hive = newHive();
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const config = loadConfig({}, { hive, redisUrl: redis.url, queuePrefix: prefix });
  const q = await ingestQueue(config, hive, logger, {
    ...fast(hive),
    name: `ingest-${randomBytes(4).toString('hex')}`,
  });
  t.teardown(q.close);
  const data: IngestJobData = { release: 'debian', version: FAULTED, arch: 'x86_64', mirrors: m.mirrors };
  const id = await q.queue.submit('ingest', data, { jobId: ingestJobId(data) });
  const r = await q.queue.wait(id, 120_000);
  t.equal(r.published, true);
  t.equal(await kernelState(hive, key), 'complete', 'the worker inside this process built into the hive');
  const s = await q.queue.get(id);
  t.equal(s?.status, 'completed');
  t.match(s?.progress, { phase: 'done' });
  t.match(s?.logs.join('\n'), /sha256 verified[\s\S]*is in the hive/);

  m.mirror.faults.set(m.urlPath(KVERS[0]), { kind: 'status', status: 404 });
  const bad = { ...data, version: KVERS[0] };
  const badId = await q.queue.submit('ingest', bad, { jobId: ingestJobId(bad) });
  const err = await q.queue.wait(badId, 60_000).catch((e: unknown) => e);
  t.ok(err instanceof JobFailedError, 'failed');
  const bs = await q.queue.get(badId);
  t.equal(bs?.status, 'failed');
  t.equal(bs?.attempts, 1, 'an unrecoverable error is not retried');
  t.match(bs?.error, /HTTP 404/);
  m.mirror.faults.clear();
});

t.test('a server that never ends its responses does not hang later requests', async (t) => {
  const hive = newHive();
  m.mirror.faults.set(m.urlPath(FAULTED), { kind: 'stall', afterBytes: 1_000_000, times: 5 });
  const r = await runIngest(fast(hive), context({ version: FAULTED }).job);
  t.equal(r.published, true, 'the whole body arrived');
  const again = await runIngest(fast(hive), context({ version: FAULTED }).job);
  t.equal(again.published, false, 'the next requests still get answers');
  m.mirror.faults.clear();
});
