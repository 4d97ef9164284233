import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { KernelHeaders } from '../../compile/kernel-headers.js';
import type { ResultStore } from '../../compile/result-store.js';
import { type Config, SettingError } from '../../config/config.js';
import type { HiveRegistry } from '../../hive/registry.js';
import { createLogger } from '../../log/logger.js';
import { loadSettings } from '../settings.js';

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
      const { config } = loadSettings(flags);
      if (!config.redisUrl)
        throw new SettingError('REDIS_URL', 'is missing: surfhive worker takes its jobs from Redis');
      if (!onHive(flags, config) && !config.workerToken)
        throw new SettingError(
          'SURFHIVE_WORKER_TOKEN',
          'is missing: a worker with --api returns results with it',
        );
      await runWorker({ ...config, redisUrl: config.redisUrl }, onHive(flags, config));
    });
}

/** On the API's hive disk (--hive, or no API named), else remote through --api. */
const onHive = (flags: WorkerFlags, config: Config) =>
  flags.hive !== undefined || config.apiUrl === undefined;

async function runWorker(config: Config & { redisUrl: string }, onHiveDisk: boolean): Promise<void> {
  // loaded once the settings are known to be right: a mistake answers at once
  const [
    { ApiHeaders, HiveHeaders },
    { CompileCache },
    { ApiStore, CacheStore },
    { HiveRegistry },
    { startCompileWorker },
    { STALE_SCRATCH_MS, sweepScratch },
    { redisConnection },
    { ToolRunner },
    { policyFromConfig },
    { createMetrics },
    { serveMetrics },
  ] = await Promise.all([
    import('../../compile/kernel-headers.js'),
    import('../../compile/result-cache.js'),
    import('../../compile/result-store.js'),
    import('../../hive/registry.js'),
    import('../../jobs/compile.js'),
    import('../../jobs/scratch-sweep.js'),
    import('../../queue/bullmq-queue.js'),
    import('../../sandbox/exec.js'),
    import('../../sandbox/policy.js'),
    import('../../api/metrics.js'),
    import('../../api/metrics-server.js'),
  ]);
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
    headers = new ApiHeaders(config.apiUrl!, path.join(config.workDir, 'headers'));
    results = new ApiStore(config.apiUrl!, config.workerToken!);
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
  worker.worker.on('error', (err) => logger.error({ err }, 'worker error'));
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
    // Running jobs finish; past the deadline they are stopped and their locks expire, so
    // another worker takes them over.
    logger.info({ signal, deadlineMs: config.shutdownDeadlineMs }, 'draining: finishing running jobs');
    clearInterval(heartbeat);
    void worker.close(config.shutdownDeadlineMs).then((drained) => {
      if (drained) logger.info('drained');
      else logger.warn('drain deadline passed; exiting with jobs still running (they will be retried)');
      registry?.close();
      connection.disconnect();
      void metricsServer?.close();
      process.exit(drained ? 0 : 1);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
