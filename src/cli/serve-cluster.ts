import cluster, { type Worker } from 'node:cluster';
import { serveClusterMetrics } from '../api/cluster-metrics.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { ToolRunner } from '../sandbox/exec.js';
import { policyFromConfig } from '../sandbox/policy.js';
import { ensureFirstKernel, recoverHiveAtStart } from './hive-start.js';

/** A worker that dies after serving is replaced after this pause (a crash loop stays slow). */
const RESTART_DELAY_MS = 1_000;

/**
 * `serve --processes N`: this primary prepares the hive once, then forks N
 * server processes that listen on the same port and share nothing but the
 * hive (each has its own registry, watches, caches and metrics; /metrics in
 * any of them sums all). Workers that die are replaced; SIGTERM or SIGINT
 * drains them all. Without REDIS_URL, compile and ingest jobs run in the
 * process that took the request: a status asked of another process does not
 * know the job until it is finished (the compile cache is on disk).
 */
export async function serveCluster(config: Config, logger: Logger): Promise<void> {
  await recoverHiveAtStart(config, logger);
  await ensureFirstKernel(config, logger, new ToolRunner(policyFromConfig(config)));
  // Workers accept from the shared socket themselves: with round-robin the primary would accept
  // every connection and pass it on, a cost per connection that one-request-per-connection
  // clients pay in full.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  serveClusterMetrics();

  let stopping = false;
  const listening = new WeakSet<Worker>();
  const start = () => {
    const w = cluster.fork();
    w.once('listening', () => listening.add(w));
  };
  cluster.on('exit', (w, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    if (!listening.has(w)) {
      // It never served (bad configuration, port taken): more of the same would fail the same way.
      logger.error({ pid: w.process.pid, code, signal }, 'a server process failed to start; stopping');
      process.exitCode = 1;
      stop('SIGTERM');
      return;
    }
    logger.error({ pid: w.process.pid, code, signal }, 'a server process died; starting another');
    setTimeout(() => {
      if (!stopping) start();
    }, RESTART_DELAY_MS);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the server processes');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (workers.length === 0) process.exit(process.exitCode ?? 0);
    for (const w of workers) w.process.kill('SIGTERM');
    // each worker drains within the deadline and exits on its own; this is the backstop
    setTimeout(() => {
      logger.error('server processes still running after the drain deadline; exiting');
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      process.exit(1);
    }, config.shutdownDeadlineMs + 2_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  for (let i = 0; i < config.processes; i++) start();
  logger.info({ processes: config.processes, port: config.port }, 'started server processes');
}
