import { renameSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { writeKernelDb } from '../../src/kernel-db/db-file.js';
import { AnswerCache } from '../../src/lookup/answer-cache.js';
import { DbCache, type DbFileVersion, versionId } from '../../src/lookup/db-cache.js';
import { typeByName } from '../../src/lookup/queries.js';
import { goldenHive, goldenRows, publishKernel } from '../helpers/golden-hive.js';

const u32Size = (rows = goldenRows(), size = 4) => {
  rows.types = rows.types.map((ty) => (ty.name === 'u32' ? { ...ty, bytes: size } : ty));
  return rows;
};

/** The version of a file as a registry scan records it. */
const scanned = (file: string): DbFileVersion => {
  const st = statSync(file);
  return { path: file, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
};

t.test('db cache: read-only handles, replacement, in-flight users, LRU bound', async (t) => {
  const h = goldenHive();
  t.teardown(h.cleanup);
  const events = { hit: 0, miss: 0, stale: 0 };
  const cache = new DbCache(2, {
    hit: () => events.hit++,
    miss: () => events.miss++,
    stale: () => events.stale++,
  });
  t.teardown(() => cache.closeAll());

  const v1 = scanned(h.dbFile);
  const first = cache.get(v1);
  t.equal(cache.get(v1), first, 'same handle while the caller names the same version');
  t.same(events, { hit: 1, miss: 1, stale: 0 });
  t.ok(first.db.readonly, 'opened read-only');
  t.throws(() => first.db.exec('DELETE FROM types'), /readonly/i, 'writes refused');

  // a request in flight keeps using its handle while the file is replaced
  const seen = first.use((old) => {
    writeKernelDb(`${h.dbFile}.part`, u32Size(goldenRows(), 9));
    renameSync(`${h.dbFile}.part`, h.dbFile);
    t.equal(cache.get(v1), old, 'a hit does not look at the disk: the old version is served until told');
    const fresh = cache.get(scanned(h.dbFile));
    t.not(fresh, old, 'the new version named: new requests get a new handle');
    const newSize = typeByName(fresh, 'u32')?.size;
    const oldSize = typeByName(old, 'u32')?.size;
    return [oldSize, newSize];
  });
  t.same(seen, [4, 9]);
  t.notOk(first.db.open, 'old handle closed once its last user left');

  // bounded: a third database evicts the least recently used
  const b = publishKernel(h.hive, { arch: 'x86_64', release: 'debian', ver: '5.1.0' });
  const c = publishKernel(h.hive, { arch: 'x86_64', release: 'debian', ver: '5.2.0' });
  const hb = cache.get(scanned(b));
  const hc = cache.get(scanned(c));
  t.equal(cache.size, 2);
  t.equal(cache.get(scanned(c)), hc, 'c still cached');
  cache.get(scanned(h.dbFile));
  t.equal(cache.size, 2);
  t.notOk(hb.db.open, 'least recently used handle closed on eviction');
  t.ok(hc.db.open);

  const gone = { path: path.join(h.hive, 'nope.db'), ino: 1, size: 1, mtimeMs: 1 };
  t.throws(() => cache.get(gone), { code: 'SURFHIVE_ERR_KERNEL_NOT_FOUND' });
});

t.test('db cache: a miss on a file newer than the caller named reports the caller stale', async (t) => {
  const h = goldenHive();
  t.teardown(h.cleanup);
  let stale = 0;
  const cache = new DbCache(2, { stale: () => stale++ });
  t.teardown(() => cache.closeAll());
  const v1 = scanned(h.dbFile);
  writeKernelDb(`${h.dbFile}.part`, u32Size(goldenRows(), 9));
  renameSync(`${h.dbFile}.part`, h.dbFile);
  const opened = cache.get(v1);
  t.equal(stale, 1, 'reported once');
  t.not(opened.identity, versionId(v1), 'the handle names the version it really opened');
  t.equal(typeByName(opened, 'u32')?.size, 9);
  t.equal(cache.get(v1), opened, 'and is kept for that caller view: no reopening per request');
  t.equal(stale, 1);
});

t.test('answer cache is bounded by bytes', async (t) => {
  const c = new AnswerCache(1000, 600);
  c.set('a', Buffer.alloc(400));
  c.set('b', Buffer.alloc(400));
  t.equal(c.size, 2);
  c.get('a'); // a is now most recent
  c.set('c', Buffer.alloc(400));
  t.equal(c.size, 2);
  t.ok(c.get('a'));
  t.notOk(c.get('b'), 'least recently used dropped');
  c.set('huge', Buffer.alloc(700));
  t.notOk(c.get('huge'), 'entries above the per-entry cap are not kept');
});
