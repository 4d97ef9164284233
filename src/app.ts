import http from 'node:http';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { requireToken, requireTokenOnRoutes } from './api/auth.js';
import { btfRoutes } from './api/btf/index.js';
import { clusterMetricsText } from './api/cluster-metrics.js';
import { DrainBudget } from './api/drain-budget.js';
import { installErrorHandling } from './api/errors.js';
import { installJsonGuard } from './api/json-guard.js';
import { compileCommand, compileNeedsTokenCommand, elfSoCommand } from './api/lbc/compile-commands.js';
import { LbcFastPath } from './api/lbc/fast-path.js';
import { koCommand } from './api/lbc/ko-command.js';
import { lookupLbcCommands } from './api/lbc/lookup-commands.js';
import { LbcReplyMemo } from './api/lbc/reply-memo.js';
import { lbcRoutes } from './api/lbc/route.js';
import type { LbcCommandTable } from './api/lbc/types.js';
import { createMetrics, type Metrics } from './api/metrics.js';
import { installRateLimits } from './api/rate-limits.js';
import { AccessLog, installRequestLog, requestIds } from './api/request-log.js';
import { compileRoutes } from './api/rest/compile.js';
import { coreRoutes } from './api/rest/core.js';
import { restRoutes } from './api/rest/index.js';
import { ingestRoutes } from './api/rest/ingest.js';
import { internalCompileRoutes } from './api/rest/internal-compile.js';
import { openApiRoutes, registerOpenApi } from './api/rest/openapi.js';
import { provisionRoutes } from './api/rest/provision.js';
import { releaseRoutes } from './api/rest/releases.js';
import { uploadRoutes } from './api/rest/upload.js';
import { webRoutes } from './api/web.js';
import type { CompileService } from './compile/service.js';
import type { Config } from './config/config.js';
import { CoreCheckService } from './corecheck/service.js';
import { HiveRegistry, type RegistryOptions } from './hive/registry.js';
import { BuildProcesses } from './indexer/build-process.js';
import { parseMirrorArgs } from './ingest/catalog.js';
import { loadCatalog } from './ingest/catalog-file.js';
import { IndexCache } from './ingest/index-cache.js';
import { wireCompile } from './jobs/compile.js';
import { ingestQueue } from './jobs/ingest.js';
import { STALE_SCRATCH_MS, scratchDirs, sweepScratch } from './jobs/scratch-sweep.js';
import { KoPool } from './ko/ko-pool.js';
import { createLogger, type Logger } from './log/logger.js';
import { KernelLookup } from './lookup/kernel-lookup.js';
import { provisionMissingKernels } from './provision/provisioner.js';
import { ToolRunner } from './sandbox/exec.js';
import { policyFromConfig } from './sandbox/policy.js';
import { packageVersion } from './util/package-root.js';

const COMPILE_TOKEN = 'a compile token';
const COMPILE_TOKEN_SETTING = 'SURFHIVE_COMPILE_TOKEN_HASHES';

export type { LbcAnswer, LbcCommand, LbcCommandTable, LbcContext, LbcRequest } from './api/lbc/types.js';

export interface BuildAppOptions {
  config: Config;
  logger?: Logger;
  /** Added to (or replacing) the built-in /lbc commands: `{ c, obj, ko, elf_so }`. */
  lbcCommands?: LbcCommandTable;
  /** Hive watching and polling (tests turn them down). */
  registryOptions?: Omit<RegistryOptions, 'logger'>;
  /** Bytes of serialized lookup answers kept in memory (default 128 MiB). */
  answerCacheBytes?: number;
  /** Serve the OpenAPI document and docs page (default true). */
  docs?: boolean;
  /** A `serve --processes` worker: /metrics shows every process of the cluster, summed. */
  clusterWorker?: boolean;
  /** Bytes of refused bodies read per client (tests make it small). */
  drainBudget?: DrainBudget;
}

/** What buildApp wired, for the CLI and later commands (`app.surfhive`). */
export interface SurfhiveServices {
  config: Config;
  registry: HiveRegistry;
  lookup: KernelLookup;
  metrics: Metrics;
  /** The live /lbc command table: entries set here before or after listen are used. */
  lbcCommands: LbcCommandTable;
  compile: CompileService;
  /** The one runner of external tools, its sandbox policy from the configuration. */
  runner: ToolRunner;
}

declare module 'fastify' {
  interface FastifyInstance {
    surfhive: SurfhiveServices;
  }
}

/** Body limit of every route that sets none. */
const APP_BODY_LIMIT = 1024 * 1024;

/**
 * Wires registry, lookup, metrics and every route into one Fastify instance,
 * without listening. The hive is scanned when the app becomes ready; closing
 * the app stops the watches and closes every database handle.
 */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics({
    exposition: opts.clusterWorker ? clusterMetricsText : undefined,
    sharedQueues: config.redisUrl !== undefined,
  });
  const registry = new HiveRegistry(config.hive, { ...opts.registryOptions, logger });
  const requestId = requestIds();
  const access = new AccessLog(metrics, logger, config.accessLog);
  const replies = new LbcReplyMemo(registry);
  const fastPath = new LbcFastPath({ replies, metrics, access, requestId });
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Fastify's two lines per request are replaced by one access line (api/request-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestId,
    // Without options pino takes its cheap path for the per-request child.
    childLoggerFactory: (parent, bindings, childOpts) =>
      Object.keys(childOpts).length === 0 ? parent.child(bindings) : parent.child(bindings, childOpts),
    bodyLimit: APP_BODY_LIMIT,
    routerOptions: { maxParamLength: 600, ignoreTrailingSlash: true },
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
    // Remembered /lbc replies are answered in front of Fastify (api/lbc/fast-path.ts).
    serverFactory: (handler) => {
      const server = http.createServer(
        {
          headersTimeout: config.headersTimeoutMs,
          // Node checks the headers and request timeouts only this often (default 30 s).
          connectionsCheckingInterval: Math.max(
            100,
            Math.min(5_000, Math.floor(config.headersTimeoutMs / 4)),
          ),
        },
        fastPath.listener(handler),
      );
      // Slow or stalled clients are cut off instead of holding a socket forever.
      server.setTimeout(config.connectionTimeoutMs);
      server.requestTimeout = config.requestTimeoutMs;
      server.keepAliveTimeout = config.keepAliveTimeoutMs;
      return server;
    },
  });
  app.addHook('preClose', (done) => {
    fastPath.stop();
    done();
  });

  const { jobs } = metrics;
  const catalog = loadCatalog(config.catalogFile);
  const mirrors = parseMirrorArgs(config.mirrors);
  // The sandbox policy of every tool that reads untrusted input, chosen here once.
  const runner = new ToolRunner(policyFromConfig(config));
  // kernel builds run in builder processes: pahole, the DWARF walk and SQLite stay off this event loop
  const builder = new BuildProcesses({ deadlineMs: config.buildTimeoutMs, logger, policy: runner.policy });
  const ingest = await ingestQueue(config, config.hive, logger, {
    runner,
    catalog,
    mirrors,
    builder,
    indexCache: new IndexCache({ ttlMs: config.indexCacheTtlMs, maxEntries: config.indexCacheEntries }),
    fetch: { stallMs: config.mirrorTimeoutMs },
    retry: { retries: config.mirrorRetries },
    download: { stallTimeoutMs: config.mirrorTimeoutMs, retries: config.mirrorRetries },
    onPublished: () => registry.refresh(),
    observer: jobs.ingest,
    onDownloaded: jobs.ingestDownloaded,
  });
  const onMissingKernel = config.autoIngest
    ? provisionMissingKernels(config, ingest.queue, catalog, logger, jobs.provision)
    : undefined;
  const lookup = new KernelLookup(registry, {
    dbCacheSize: config.dbCacheSize,
    answerCacheBytes: opts.answerCacheBytes,
    events: metrics.lookupEvents,
    onMissingKernel,
  });
  const compile = await wireCompile(config, registry, runner, logger, onMissingKernel, {
    observer: jobs.compile,
    onCacheLookup: jobs.compileCacheLookup,
  });
  jobs.watchQueue(compile.queue);
  jobs.watchQueue(ingest.queue);
  jobs.watchKernels(registry);
  jobs.watchCompileCache(compile.cache);
  const ko = new KoPool({
    policy: runner.policy,
    workRoot: path.join(config.workDir, 'ko'),
    concurrency: config.koConcurrency,
    maxBacklog: config.koMaxBacklog,
    deadlineMs: config.koDeadlineMs,
    maxMemberRows: config.koMaxRows,
    logger,
  });
  const core = new CoreCheckService({ registry, workDir: config.workDir, logger, runner });
  // SURFHIVE_COMPILE_AUTH=token: the tokens that may compile (operators' too); undefined when open
  const compileTokens =
    config.compileAuth === 'token'
      ? [...config.compileTokenHashes, ...config.operatorTokenHashes]
      : undefined;
  const lbcCommands: LbcCommandTable = {
    ...lookupLbcCommands(),
    ko: koCommand(ko, compileTokens, jobs.ko),
    elf_so: elfSoCommand(),
    // Legacy clients cannot send a token: a token-protected compile is refused with a clear log.
    c:
      config.compileAuth === 'token' ? compileNeedsTokenCommand('so') : compileCommand(compile.service, 'so'),
    obj:
      config.compileAuth === 'token' ? compileNeedsTokenCommand('o') : compileCommand(compile.service, 'o'),
    ...opts.lbcCommands,
  };
  app.decorate('surfhive', {
    config,
    registry,
    lookup,
    metrics,
    lbcCommands,
    compile: compile.service,
    runner,
  });

  const jsonShape = { maxDepth: config.jsonMaxDepth, maxItems: config.jsonMaxItems };
  const drain = opts.drainBudget ?? new DrainBudget();
  installJsonGuard(app, jsonShape, APP_BODY_LIMIT, drain);
  const limits = await installRateLimits(app, {
    windowMs: config.rateWindowMs,
    lookupMax: config.lookupRateLimit,
    compileMax: config.compileRateLimit,
    koMax: config.koRateLimit,
  });
  fastPath.useLookupBudget(limits.lookupBudget);
  installErrorHandling(app, limits.notFound);
  installRequestLog(app, access);
  app.addHook('onReady', async () => {
    await sweepScratch(scratchDirs(config), STALE_SCRATCH_MS, logger);
    await registry.start();
  });
  app.addHook('onClose', async () => {
    registry.close();
    lookup.close();
    await compile.close();
    await ko.close();
    // running builds stop first, so that their jobs end and the queue can close
    await builder.close();
    await ingest.close();
    await core.close();
  });

  const docs = opts.docs !== false;
  if (docs) await registerOpenApi(app, packageVersion());
  await app.register(lbcRoutes, {
    commands: lbcCommands,
    lookup,
    registry,
    metrics,
    bodyLimit: config.bodyLimit,
    smallBodyLimit: config.lbcBodyLimit,
    json: jsonShape,
    drain,
    answerMaxBytes: config.lbcAnswerMaxBytes,
    replies,
  });
  await app.register(restRoutes, { lookup, registry, metrics, publicUrl: config.publicUrl });
  await app.register(btfRoutes, { config, registry, lookup, logger });
  await app.register(
    async (api) => {
      if (compileTokens) requireTokenOnRoutes(api, compileTokens, COMPILE_TOKEN, COMPILE_TOKEN_SETTING);
      await compileRoutes(api, { compile: compile.service });
    },
    { prefix: '/api/v1' },
  );
  await app.register(
    async (api) =>
      internalCompileRoutes(api, { cache: compile.cache, workerTokenHashes: config.workerTokenHashes }),
    { prefix: '/api/v1' },
  );
  await app.register(
    async (api) =>
      ingestRoutes(api, { queue: ingest.queue, operatorTokenHashes: config.operatorTokenHashes, catalog }),
    { prefix: '/api/v1' },
  );
  await app.register(
    async (api) =>
      coreRoutes(api, {
        core,
        compile: compile.service,
        ...(compileTokens && {
          compileToken: requireToken(compileTokens, COMPILE_TOKEN, COMPILE_TOKEN_SETTING),
        }),
      }),
    { prefix: '/api/v1' },
  );
  await app.register(
    async (api) => {
      await releaseRoutes(api, { catalog, mirrors, releaseOrder: config.releaseOrder });
      if (config.autoIngest) await provisionRoutes(api, { queue: ingest.queue });
    },
    { prefix: '/api/v1' },
  );
  await app.register(
    async (api) =>
      uploadRoutes(api, {
        registry,
        operatorTokenHashes: config.operatorTokenHashes,
        limit: config.uploadLimit,
        builder,
        logger,
        runner,
      }),
    { prefix: '/api/v1' },
  );
  await app.register(webRoutes, { docs });
  if (docs) await app.register(openApiRoutes);
  return app;
}
