import cluster from 'node:cluster';
import net from 'node:net';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { type Config, SettingError } from '../../config/config.js';
import { createLogger, type Logger } from '../../log/logger.js';
import { loadSettings } from '../settings.js';

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
      const { config } = loadSettings(flags);
      const logger = createLogger(config.logLevel, { batched: true });
      if (cluster.isWorker) await serve(config, logger, { clusterWorker: true });
      else {
        // before the hive's recovery and first kernel (seconds of work) a taken port says so
        await checkPortFree(config, listenNames(flags));
        if (config.processes > 1) await (await import('../serve-cluster.js')).serveCluster(config, logger);
        else await serve(config, logger);
      }
    });
}

/** Binds the listen address once and lets go: a port in use or a bad address is a setting's mistake. */
async function checkPortFree(config: Config, names: ListenNames): Promise<void> {
  if (config.port === 0) return;
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, config, names)));
    probe.listen({ port: config.port, host: config.host, exclusive: true }, () =>
      probe.close(() => resolve()),
    );
  });
}

interface ListenNames {
  port: string;
  host: string;
}
const listenNames = (flags: ServeFlags): ListenNames => ({
  port: flags.port !== undefined ? '--port' : 'SURFHIVE_PORT',
  host: flags.host !== undefined ? '--host' : 'SURFHIVE_HOST',
});

function listenError(err: NodeJS.ErrnoException, config: Config, names: ListenNames): Error {
  const portName = names.port;
  const where = `${config.host}:${config.port}`;
  if (err.code === 'EADDRINUSE')
    return new SettingError(
      portName,
      `${config.port} is already in use on ${config.host}; choose another port`,
    );
  if (err.code === 'EACCES')
    return new SettingError(
      portName,
      `${config.port} needs more privileges on ${config.host}; choose a port above 1023`,
    );
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN')
    return new SettingError(names.host, `${config.host} is not an address of this machine`);
  return new SettingError(portName, `cannot listen on ${where}: ${err.code ?? err.message}`);
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
  // the server's modules load only once the settings are known to be right (a mistake answers at once)
  const [{ buildApp }, { ensureFirstKernel, recoverHiveAtStart }] = await Promise.all([
    import('../../app.js'),
    import('../hive-start.js'),
  ]);
  if (!opts.clusterWorker) await recoverHiveAtStart(config, logger);
  const app = await buildApp({ config, logger, clusterWorker: opts.clusterWorker });
  await app.ready();
  if (!opts.clusterWorker)
    await ensureFirstKernel(config, logger, app.surfhive.runner, app.surfhive.registry);
  await app.listen({ port: config.port, host: config.host }).catch(async (err: NodeJS.ErrnoException) => {
    await app.close();
    throw err.code ? listenError(err, config, { port: 'SURFHIVE_PORT', host: 'SURFHIVE_HOST' }) : err;
  });
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
