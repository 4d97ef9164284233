import cluster from 'node:cluster';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.js';
import { type Config, loadConfig, processCount } from '../../config/config.js';
import { createLogger, type Logger } from '../../log/logger.js';
import { ensureFirstKernel, recoverHiveAtStart } from '../hive-start.js';
import { serveCluster } from '../serve-cluster.js';

interface ServeFlags {
  mirror: string[];
  hive?: string;
  port?: string;
  host?: string;
  processes?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve lookups (POST /lbc and /api/v1), compiles and ingests over HTTP')
    .option('--hive <dir>', 'hive directory (env SURFHIVE_HIVE, default ./hive)')
    .option('--port <n>', 'TCP port (env SURFHIVE_PORT, default 7655)')
    .option('--host <addr>', 'listen address (env SURFHIVE_HOST, default 0.0.0.0)')
    .option(
      '--processes <n>',
      'server processes sharing the port: a number, or auto for one per core (env SURFHIVE_PROCESSES, default 1)',
    )
    .option(
      '--mirror <RELEASE=URL>',
      'mirror for REST ingest and provisioning (repeatable, after SURFHIVE_MIRRORS; RELEASE.BASE=URL for one base)',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .action(async (flags: ServeFlags) => {
      const loaded = loadConfig(process.env, {
        hive: flags.hive,
        host: flags.host,
        port: flags.port === undefined ? undefined : Number(flags.port),
        processes: flags.processes === undefined ? undefined : processCount(flags.processes),
      });
      const config = { ...loaded, mirrors: [...loaded.mirrors, ...flags.mirror] };
      const logger = createLogger(config.logLevel, { batched: true });
      if (cluster.isWorker) await serve(config, logger, { clusterWorker: true });
      else if (config.processes > 1) await serveCluster(config, logger);
      else await serve(config, logger);
    });
}

/**
 * One server process. A cluster worker leaves the hive's recovery and first
 * kernel to the primary, and shows every process's metrics on /metrics.
 */
export async function serve(
  config: Config,
  logger: Logger,
  opts: { clusterWorker?: boolean } = {},
): Promise<FastifyInstance> {
  if (!opts.clusterWorker) await recoverHiveAtStart(config, logger);
  const app = await buildApp({ config, logger, clusterWorker: opts.clusterWorker });
  await app.ready();
  if (!opts.clusterWorker) await ensureFirstKernel(config, logger, app.surfhive.registry);
  await app.listen({ port: config.port, host: config.host });
  installShutdown(app, logger, config.shutdownDeadlineMs);
  return app;
}

function installShutdown(app: FastifyInstance, logger: Logger, deadlineMs: number): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal, deadlineMs }, 'shutting down: draining requests');
    const deadline = setTimeout(() => {
      logger.error('drain deadline passed; exiting');
      process.exit(1);
    }, deadlineMs);
    deadline.unref();
    // server.close() closes the connections idle at that moment only; a keep-alive connection
    // whose request finishes later would hold the process until keepAliveTimeout.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    sweep.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
