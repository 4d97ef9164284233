import t from 'tap';
import { IndexCache } from '../../src/ingest/index-cache.js';
import { resolvePackage } from '../../src/ingest/resolve.js';
import { RUNNER } from '../helpers/tools.js';
import { ingestMirror } from '../ingest/helpers/ingest-mirror.js';

const m = await ingestMirror();
t.teardown(() => m.close());

/** Requests the mirror got for its metadata (anything but the packages). */
const indexReads = () => m.mirror.requests.filter((r) => !r.path.endsWith('.deb')).length;
const resolve = (version: string, indexCache?: IndexCache) =>
  resolvePackage({
    release: 'debian',
    version,
    arch: 'x86_64',
    mirrors: m.mirrors,
    indexCache,
    runner: RUNNER,
  });

t.test('without a cache every resolution reads the index again (control)', async (t) => {
  const before = indexReads();
  await resolve('6.1.0-56-amd64');
  const one = indexReads() - before;
  t.ok(one > 0, `${one} index requests`);
  await resolve('6.1.0-60-amd64');
  t.equal(indexReads() - before, 2 * one);
});

t.test('a second kernel of the same release is resolved from the cached index', async (t) => {
  let now = 1_000_000;
  const cache = new IndexCache({ ttlMs: 60_000, maxEntries: 16, now: () => now });
  const before = indexReads();
  const first = await resolve('6.1.0-56-amd64', cache);
  t.equal(first.ver, '6.1.0-56-amd64');
  const reads = indexReads() - before;
  t.ok(reads > 0 && cache.size > 0, `${reads} index requests, ${cache.size} indexes kept`);

  const second = await resolve('6.1.0-60-amd64', cache);
  t.equal(second.ver, '6.1.0-60-amd64');
  t.equal(indexReads() - before, reads, 'no request to the mirror for the second kernel');
  // a kernel no index lists reads every repository once (the first found its kernel early)
  t.match(await resolve('6.1.0-99-amd64', cache).catch((e: Error) => e), { kind: 'KERNEL_NOT_FOUND' });
  const all = indexReads() - before;
  t.match(await resolve('6.1.0-98-amd64', cache).catch((e: Error) => e), { kind: 'KERNEL_NOT_FOUND' });
  t.equal(indexReads() - before, all, 'nor for another kernel the indexes lack');

  now += 60_001;
  await resolve('6.1.0-56-cloud-amd64', cache);
  t.equal(indexReads() - before, all + reads, 'read again once the TTL has passed');
});

t.test('concurrent resolutions share one read; failures are not kept; the bound holds', async (t) => {
  const cache = new IndexCache({ ttlMs: 60_000, maxEntries: 1 });
  const before = indexReads();
  await Promise.all([resolve('6.1.0-56-amd64', cache), resolve('6.1.0-60-amd64', cache)]);
  const reads = indexReads() - before;
  await resolve('6.1.0-56-amd64', new IndexCache({ ttlMs: 60_000, maxEntries: 16 }));
  t.equal(indexReads() - before, 2 * reads, 'two at once read what one does');
  t.equal(cache.size, 1, 'at most maxEntries kept');

  const failing = new IndexCache({ ttlMs: 60_000, maxEntries: 16 });
  let calls = 0;
  const boom = () => {
    calls++;
    return Promise.reject(new Error('mirror down'));
  };
  await t.rejects(failing.get('k', boom));
  await t.rejects(failing.get('k', boom));
  t.equal(calls, 2, 'a failed read is tried again');
  t.equal(failing.size, 0);
});
