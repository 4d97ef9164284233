import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../app.js';
import { buildLocalKernel } from '../../build/local-kernel.js';
import { type Config, loadConfig } from '../../config/config.js';
import { recoverHive } from '../../hive/publish.js';
import { createLogger, type Logger } from '../../log/logger.js';

interface ServeFlags {
  mirror: string[];
  hive?: string;
  port?: string;
  host?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve lookups (POST /lbc and /api/v1), compiles and ingests over HTTP')
    .option('--hive <dir>', 'hive directory (env SURFHIVE_HIVE, default ./hive)')
    .option('--port <n>', 'TCP port (env SURFHIVE_PORT, default 7655)')
    .option('--host <addr>', 'listen address (env SURFHIVE_HOST, default 0.0.0.0)')
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
      });
      const config = { ...loaded, mirrors: [...loaded.mirrors, ...flags.mirror] };
      const logger = createLogger(config.logLevel);
      await serve(config, logger);
    });
}

export async function serve(config: Config, logger: Logger): Promise<FastifyInstance> {
  const recovered = await recoverHive(config.hive);
  if (recovered.rolledBack.length > 0)
    logger.warn({ kernels: recovered.rolledBack }, 'rolled back interrupted publications');
  const app = await buildApp({ config, logger });
  await app.ready();
  await ensureFirstKernel(app, config, logger);
  await app.listen({ port: config.port, host: config.host });
  installShutdown(app, logger, config.shutdownDeadlineMs);
  return app;
}

/** The embedded default: an empty hive gets this machine's own kernel, so a first `serve` answers for a real kernel. */
async function ensureFirstKernel(app: FastifyInstance, config: Config, logger: Logger): Promise<void> {
  const { registry } = app.surfhive;
  if (registry.list({}).length > 0) return;
  try {
    const result = await buildLocalKernel({ hive: config.hive, logger });
    logger.info({ kernel: result.key }, 'empty hive: published this machine’s kernel');
    await registry.refresh();
  } catch (err) {
    logger.warn(
      { err },
      'empty hive and this machine’s kernel could not be published; serving an empty hive',
    );
  }
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
