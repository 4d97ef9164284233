import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { createMetrics } from '../../api/metrics.js';
import { serveMetrics } from '../../api/metrics-server.js';
import { ApiHeaders, HiveHeaders, type KernelHeaders } from '../../compile/kernel-headers.js';
import { CompileCache } from '../../compile/result-cache.js';
import { ApiStore, CacheStore, type ResultStore } from '../../compile/result-store.js';
import { type Config, loadConfig } from '../../config/config.js';
import { SurfhiveError } from '../../errors/codes.js';
import { HiveRegistry } from '../../hive/registry.js';
import { startCompileWorker } from '../../jobs/compile.js';
import { STALE_SCRATCH_MS, sweepScratch } from '../../jobs/scratch-sweep.js';
import { createLogger } from '../../log/logger.js';
import { redisConnection } from '../../queue/bullmq-queue.js';
import { ToolRunner } from '../../sandbox/exec.js';
import { policyFromConfig } from '../../sandbox/policy.js';

interface WorkerFlags {
  hive?: string;
  api?: string;
  concurrency?: string;
  metricsPort?: string;
}

/**
 * File a container health check can test, in the work dir: touched while the worker's Redis
 * connection is up. Named by host so that workers sharing a work dir do not vouch for each other.
 */
export const heartbeatFile = (hostname = os.hostname()) => `worker-${hostname}.alive`;
const HEARTBEAT_MS = 10_000;

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run compile jobs from the Redis queue (REDIS_URL)')
    .option('--api <url>', 'API to fetch vmlinux.h from and return artifacts to (env SURFHIVE_API_URL)')
    .option('--hive <dir>', 'or: work on the API’s hive directly (same disk)')
    .option('--concurrency <n>', 'jobs at once (env SURFHIVE_COMPILE_CONCURRENCY, default 2)')
    .option(
      '--metrics-port <n>',
      'serve this worker’s /metrics on this port (env SURFHIVE_WORKER_METRICS_PORT)',
    )
    .action(async (flags: WorkerFlags) => {
      const config = loadConfig(process.env, {
        hive: flags.hive,
        apiUrl: flags.api,
        compileConcurrency: flags.concurrency === undefined ? undefined : Number(flags.concurrency),
        workerMetricsPort: flags.metricsPort === undefined ? undefined : Number(flags.metricsPort),
      });
      await runWorker(config, flags.hive !== undefined || config.apiUrl === undefined);
    });
}

async function runWorker(config: Config, onHiveDisk: boolean): Promise<void> {
  if (!config.redisUrl) throw new SurfhiveError('INVALID_FIELD', 'surfhive worker needs REDIS_URL');
  const logger = createLogger(config.logLevel).child({ role: 'worker' });
  let headers: KernelHeaders;
  let results: ResultStore;
  let registry: HiveRegistry | undefined;
  if (onHiveDisk) {
    registry = new HiveRegistry(config.hive, { logger, watch: false, pollMs: 5_000 });
    await registry.start();
    headers = new HiveHeaders(registry);
    results = new CacheStore(CompileCache.fromConfig(config));
  } else {
    if (!config.workerToken)
      throw new SurfhiveError('INVALID_FIELD', 'a remote worker needs SURFHIVE_WORKER_TOKEN');
    headers = new ApiHeaders(config.apiUrl!, path.join(config.workDir, 'headers'));
    results = new ApiStore(config.apiUrl!, config.workerToken);
  }
  const runner = new ToolRunner(policyFromConfig(config));
  await sweepScratch([path.join(config.workDir, 'compile')], STALE_SCRATCH_MS, logger);
  // The jobs this worker runs are counted here, not in the API: Prometheus scrapes each worker.
  const metrics = createMetrics();
  const metricsServer = config.workerMetricsPort
    ? await serveMetrics(metrics, config.host, config.workerMetricsPort)
    : undefined;
  const connection = redisConnection(config.redisUrl, 'worker');
  const worker = startCompileWorker({ ...config, redisUrl: config.redisUrl }, connection, {
    headers,
    results,
    logger,
    runner,
    observer: metrics.jobs.compile,
  });
  worker.on('error', (err) => logger.error({ err }, 'worker error'));
  logger.info(
    {
      concurrency: config.compileConcurrency,
      onHiveDisk,
      ...(metricsServer ? { metrics: `${config.host}:${config.workerMetricsPort}` } : {}),
    },
    'worker ready',
  );

  const aliveFile = path.join(config.workDir, heartbeatFile());
  const beat = async () => {
    if (connection.status !== 'ready') return;
    await mkdir(config.workDir, { recursive: true });
    await writeFile(aliveFile, `${Date.now()}\n`);
  };
  const heartbeat = setInterval(() => void beat().catch(() => undefined), HEARTBEAT_MS);
  heartbeat.unref();
  connection.once('ready', () => void beat().catch(() => undefined));

  const stop = (signal: NodeJS.Signals) => {
    // Running jobs finish; past the deadline the process exits anyway and their
    // locks expire, so another worker takes them over.
    logger.info({ signal, deadlineMs: config.shutdownDeadlineMs }, 'draining: finishing running jobs');
    clearInterval(heartbeat);
    setTimeout(() => {
      logger.warn('drain deadline passed; exiting with jobs still running (they will be retried)');
      process.exit(1);
    }, config.shutdownDeadlineMs).unref();
    worker
      .close()
      .then(() => {
        logger.info('drained');
        registry?.close();
        connection.disconnect();
        void metricsServer?.close();
        process.exit(0);
      })
      .catch(() => process.exit(1));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
