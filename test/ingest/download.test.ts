import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { SurfhiveError } from '../../src/errors/codes.js';
import { type DownloadProgress, downloadPackage } from '../../src/ingest/download.js';
import { sha256 } from './helpers/fixtures.js';
import { startMirror } from './helpers/mirror-server.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'surfhive-dl-'));
const dest = path.join(root, 'dest');
await fs.mkdir(path.join(root, 'www'));
const body = randomBytes(3 * 1024 * 1024 + 17);
await fs.writeFile(path.join(root, 'www', 'pkg.rpm'), body);
const mirror = await startMirror(path.join(root, 'www'));
t.teardown(async () => {
  await mirror.close();
  await fs.rm(root, { recursive: true, force: true });
});

const cand = {
  url: `${mirror.url}/pkg.rpm`,
  fileName: 'pkg.rpm',
  size: body.length,
  sha256: sha256(body),
};
const fast = { retryBaseMs: 10, stallTimeoutMs: 300 };
const destIsEmpty = async () => (await fs.readdir(dest).catch(() => [])).length === 0;
const failure = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as SurfhiveError,
  );

t.test('plain download with progress', async (t) => {
  const seen: DownloadProgress[] = [];
  const got = await downloadPackage(cand, dest, { ...fast, onProgress: (p) => seen.push(p) });
  t.equal(got.path, path.join(dest, 'pkg.rpm'));
  t.equal(got.sha256, cand.sha256);
  t.same(await fs.readFile(got.path), body);
  t.ok(seen.length > 0);
  t.same(seen.at(-1), { done: body.length, total: body.length });
  t.ok(
    seen.every((p, i) => i === 0 || p.done >= seen[i - 1]!.done),
    'progress only grows',
  );
  const again = await downloadPackage(cand, dest, fast);
  t.equal(again.path, got.path, 'a complete earlier download is reused');
  await fs.rm(dest, { recursive: true });
});

t.test('404 fails at once with nothing left', async (t) => {
  const before = mirror.requests.length;
  const err = await failure(downloadPackage({ ...cand, url: `${mirror.url}/missing.rpm` }, dest, fast));
  t.equal(err?.kind, 'DOWNLOAD_FAILED');
  t.match(err?.message, /404/);
  t.equal(mirror.requests.length - before, 1, 'not retried');
  t.ok(await destIsEmpty());
});

t.test('500 is retried, then gives up; later run succeeds', async (t) => {
  mirror.faults.set('/pkg.rpm', { kind: 'status', status: 500, times: 3 });
  const err = await failure(downloadPackage(cand, dest, { ...fast, retries: 1 }));
  t.equal(err?.kind, 'DOWNLOAD_FAILED');
  t.match(err?.message, /500/);
  t.ok(await destIsEmpty());
  const got = await downloadPackage(cand, dest, { ...fast, retries: 3 });
  t.same(await fs.readFile(got.path), body, 'the remaining 500 is retried through');
  await fs.rm(dest, { recursive: true });
});

t.test('connection cut mid-file resumes with Range', async (t) => {
  mirror.faults.set('/pkg.rpm', { kind: 'cut', afterBytes: 1024 * 1024, times: 2 });
  const before = mirror.requests.length;
  const got = await downloadPackage(cand, dest, fast);
  t.same(await fs.readFile(got.path), body);
  const reqs = mirror.requests.slice(before);
  t.equal(reqs.length, 3);
  t.equal(reqs[0]!.range, undefined);
  t.match(reqs[1]!.range, /^bytes=\d+-$/);
  t.ok(Number(/\d+/.exec(reqs[2]!.range!)![0]) >= 1024 * 1024, 'resumes past what it had');
  await fs.rm(dest, { recursive: true });
});

t.test('a kept .part is resumed by a later call', async (t) => {
  mirror.faults.set('/pkg.rpm', { kind: 'cut', afterBytes: 512 * 1024, times: 1 });
  const err = await failure(downloadPackage(cand, dest, { ...fast, retries: 0, keepPartial: true }));
  t.equal(err?.kind, 'DOWNLOAD_FAILED');
  const part = await fs.stat(path.join(dest, 'pkg.rpm.part'));
  t.ok(part.size > 0 && part.size < body.length, 'partial file kept');
  const before = mirror.requests.length;
  const got = await downloadPackage(cand, dest, fast);
  t.same(await fs.readFile(got.path), body);
  t.equal(mirror.requests[before]!.range, `bytes=${part.size}-`);
  t.same(await fs.readdir(dest), ['pkg.rpm'], 'no .part left');
  await fs.rm(dest, { recursive: true });
});

t.test('a stalled server times out, nothing left; later run succeeds', async (t) => {
  mirror.faults.set('/pkg.rpm', { kind: 'stall', afterBytes: 1000, times: 2 });
  const started = Date.now();
  const err = await failure(downloadPackage(cand, dest, { ...fast, retries: 1 }));
  t.equal(err?.kind, 'DOWNLOAD_FAILED');
  t.match(err?.message, /no data for 0\.3 s/);
  t.ok(Date.now() - started < 10_000);
  t.ok(await destIsEmpty());
  const got = await downloadPackage(cand, dest, fast);
  t.same(await fs.readFile(got.path), body);
  await fs.rm(dest, { recursive: true });
});

t.test('overall timeout and cancellation', async (t) => {
  mirror.faults.set('/pkg.rpm', { kind: 'stall', afterBytes: 1000, times: 1 });
  const err = await failure(downloadPackage(cand, dest, { ...fast, stallTimeoutMs: 10_000, timeoutMs: 400 }));
  t.match(err?.message, /time limit/);
  t.ok(await destIsEmpty());
  mirror.faults.set('/pkg.rpm', { kind: 'stall', afterBytes: 1000, times: 1 });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const err2 = await failure(
    downloadPackage(cand, dest, { ...fast, stallTimeoutMs: 10_000, signal: ac.signal }),
  );
  t.match(err2?.message, /cancelled/);
  t.ok(await destIsEmpty());
  mirror.faults.delete('/pkg.rpm');
});

t.test('wrong checksum', async (t) => {
  const err = await failure(downloadPackage({ ...cand, sha256: 'ab'.repeat(32) }, dest, fast));
  t.equal(err?.kind, 'CHECKSUM_MISMATCH');
  t.ok(await destIsEmpty());
});

t.test('size bounds: larger than announced, global cap', async (t) => {
  const err = await failure(
    downloadPackage({ ...cand, size: body.length - 100, sha256: undefined }, dest, fast),
  );
  t.match(err?.message, /larger than/);
  t.ok(await destIsEmpty());
  const err2 = await failure(
    downloadPackage({ ...cand, size: undefined }, dest, { ...fast, maxBytes: 1024 }),
  );
  t.match(err2?.message, /larger than/);
  t.ok(await destIsEmpty());
  const err3 = await failure(downloadPackage({ ...cand, size: body.length + 5 }, dest, fast));
  t.equal(err3?.kind, 'DOWNLOAD_FAILED', 'short file against its announced size');
  t.ok(await destIsEmpty());
});

t.test('redirects: followed to http, refused to other schemes; unsafe names refused', async (t) => {
  mirror.faults.set('/moved.rpm', { kind: 'redirect', location: '/pkg.rpm' });
  const got = await downloadPackage({ ...cand, url: `${mirror.url}/moved.rpm` }, dest, fast);
  t.same(await fs.readFile(got.path), body);
  await fs.rm(dest, { recursive: true });
  mirror.faults.set('/evil.rpm', { kind: 'redirect', location: 'file:///etc/passwd' });
  const err = await failure(downloadPackage({ ...cand, url: `${mirror.url}/evil.rpm` }, dest, fast));
  t.match(err?.message, /non-http/);
  t.ok(await destIsEmpty());
  const err2 = await failure(downloadPackage({ ...cand, fileName: '../x.rpm' }, dest, fast));
  t.match(err2?.message, /unsafe file name/);
  const err3 = await failure(downloadPackage({ ...cand, url: 'ftp://example.org/x.rpm' }, dest, fast));
  t.match(err3?.message, /non-http/);
});
