import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import t from 'tap';
import { createMetrics } from '../../src/api/metrics.js';
import { loadConfig } from '../../src/config/config.js';
import { type IngestJobData, ingestJobId } from '../../src/ingest/run.js';
import { ingestQueue } from '../../src/jobs/ingest.js';
import { loggerOptions } from '../../src/log/logger.js';
import { JobFailedError } from '../../src/queue/types.js';
import { logLines, parseSamples, sampleValue } from '../helpers/prom-text.js';
import { startRedis } from '../helpers/redis.js';
import { RUNNER } from '../helpers/tools.js';
import { ingestMirror, KVERS } from '../ingest/helpers/ingest-mirror.js';

const m = await ingestMirror();
t.teardown(m.close);

for (const mode of ['in-process', 'BullMQ'] as const) {
  t.test(
    `${mode} queue: a network fault retried to the end is logged at every attempt, with its cause`,
    async (t) => {
      const redis = mode === 'BullMQ' ? await startRedis() : undefined;
      const hive = path.join(m.root, `hive-${mode}`);
      const config = loadConfig(
        {},
        { hive, redisUrl: redis?.url, queuePrefix: `t${randomBytes(4).toString('hex')}` },
      );
      const { lines, stream } = logLines();
      const metrics = createMetrics({ defaultMetrics: false, sharedQueues: redis !== undefined });
      const name = `ingest-${randomBytes(4).toString('hex')}`;
      const q = await ingestQueue(config, hive, pino(loggerOptions('info'), stream), {
        name,
        runner: RUNNER,
        download: { retryBaseMs: 10, stallTimeoutMs: 500, retries: 1 },
        retry: { retries: 1, baseDelayMs: 10 },
        observer: metrics.jobs.ingest,
        onDownloaded: metrics.jobs.ingestDownloaded,
      });
      // the queue closes while its Redis still runs: a BullMQ worker waits for a server that is gone
      t.teardown(async () => {
        await q.close();
        await redis?.stop();
      });
      metrics.jobs.watchQueue(q.queue);

      const down: IngestJobData = {
        release: 'debian',
        version: KVERS[2],
        arch: 'x86_64',
        mirrors: m.mirrors,
      };
      m.mirror.faults.set(m.urlPath(KVERS[2]), { kind: 'status', status: 503 });
      t.teardown(() => m.mirror.faults.clear());
      const id = await q.queue.submit('ingest', down, { jobId: ingestJobId(down), attempts: 3 });
      const err = await q.queue.wait(id, 60_000).catch((e: unknown) => e);
      t.ok(err instanceof JobFailedError && !err.unrecoverable, 'failed after its retries');

      const mine = lines.filter((l) => l.job === id);
      const kernel = `x86_64/debian/${KVERS[2]}`;
      t.match(mine, [
        { msg: 'ingest started', level: 30, kind: 'ingest', kernel, attempt: 1, of: 3 },
        {
          msg: 'ingest attempt 1 failed; it will be retried',
          level: 40,
          attempt: 1,
          of: 3,
          ms: Number,
          err: { type: 'TransientError', message: /answered HTTP 503/, stack: String },
        },
        { msg: 'ingest retry started', attempt: 2 },
        { msg: 'ingest attempt 2 failed; it will be retried', attempt: 2 },
        { msg: 'ingest retry started', attempt: 3 },
        {
          msg: 'ingest failed after 3 attempt(s)',
          level: 50,
          kind: 'ingest',
          kernel,
          attempt: 3,
          err: { type: 'TransientError', code: 'SURFHIVE_ERR_DOWNLOAD_FAILED', message: /answered HTTP 503/ },
        },
      ]);
      t.equal(mine.length, 6, 'one line per start, retry and failure');

      m.mirror.faults.clear();
      const good: IngestJobData = { ...down, version: KVERS[0] };
      const goodId = await q.queue.submit('ingest', good, { jobId: ingestJobId(good), attempts: 3 });
      const r = await q.queue.wait(goodId, 120_000);
      t.equal(r.published, true);
      t.match(lines.filter((l) => l.job === goodId).at(-1), {
        msg: 'ingest finished',
        published: true,
        ms: Number,
        timings: { publishMs: Number },
      });

      const samples = parseSamples(await metrics.text());
      const v = (n: string, labels?: Record<string, string>) => sampleValue(samples, n, labels);
      t.equal(v('surfhive_ingest_jobs_total', { outcome: 'error' }), 1);
      t.equal(v('surfhive_ingest_jobs_total', { outcome: 'completed' }), 1);
      t.equal(v('surfhive_ingest_job_retries_total'), 2);
      t.equal(v('surfhive_ingest_job_duration_seconds_count', { outcome: 'error' }), 1);
      const pkg = (await fs.stat(path.join(m.root, 'www', m.urlPath(KVERS[0])))).size;
      t.equal(
        v('surfhive_ingest_downloaded_bytes_total'),
        pkg,
        'the failed attempts received no package bytes',
      );
      t.equal(v('surfhive_queue_jobs', { queue: name, state: 'waiting' }), 0);
      t.equal(v('surfhive_queue_jobs', { queue: name, state: 'active' }), 0);

      if (redis) {
        await redis.stopOnly();
        const started = Date.now();
        const down = parseSamples(await metrics.text());
        t.ok(Date.now() - started < 3_000, 'a scrape does not wait on a Redis that is down');
        t.equal(
          sampleValue(down, 'surfhive_queue_jobs', { queue: name, state: 'waiting' }),
          undefined,
          'no stale count',
        );
        t.equal(sampleValue(down, 'surfhive_ingest_jobs_total', { outcome: 'completed' }), 1);
        await redis.startAgain();
        // back before the queue closes (its connections reconnect by themselves)
        for (let i = 0; i < 100; i++) {
          if (
            await q.queue.counts().then(
              () => true,
              () => false,
            )
          )
            break;
          await new Promise((r) => setTimeout(r, 100));
        }
        t.ok(await q.queue.counts(), 'the counts come back with Redis');
      }
    },
  );
}
