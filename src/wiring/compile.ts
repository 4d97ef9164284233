import path from 'node:path';
import { compileProcessor } from '../../workers/compile-processor.js';
import { setJobSandboxMode } from '../compile/job-sandbox.js';
import { HiveHeaders } from '../compile/kernel-headers.js';
import type { CompileOutcome } from '../compile/outcome.js';
import { PchCache } from '../compile/pch-cache.js';
import type { CompileJobData } from '../compile/request.js';
import { CompileCache } from '../compile/result-cache.js';
import { CacheStore } from '../compile/result-store.js';
import { CompileService, type CompileServiceOptions } from '../compile/service.js';
import type { Config } from '../config/config.js';
import type { HiveRegistry } from '../hive/registry.js';
import type { Logger } from '../log/logger.js';
import { BullQueue, redisConnection } from '../queue/bullmq-queue.js';
import { InlineQueue } from '../queue/inline-queue.js';
import type { JobQueue } from '../queue/types.js';

export const COMPILE_QUEUE = 'compile';

export interface CompileWiring {
  service: CompileService;
  queue: JobQueue<CompileJobData, CompileOutcome>;
  /** The content-addressed store the service answers from (remote workers return results into it). */
  cache: CompileCache;
  close(): Promise<void>;
}

/**
 * The compile path for one API process: BullMQ on Redis when configured (the
 * `surfhive worker` processes run the jobs), otherwise an in-process pool
 * running the same processor.
 */
export async function wireCompile(
  config: Config,
  registry: HiveRegistry,
  logger?: Logger,
  onMissingKernel?: CompileServiceOptions['onMissingKernel'],
): Promise<CompileWiring> {
  setJobSandboxMode(
    config.sandbox === 'docker' ? { kind: 'docker', image: config.sandboxImage } : { kind: 'bwrap' },
  );
  const cache = new CompileCache(config.compileCacheDir);
  let queue: JobQueue<CompileJobData, CompileOutcome>;
  let close: () => Promise<void>;
  if (config.redisUrl) {
    const connection = redisConnection(config.redisUrl, 'producer');
    const bull = new BullQueue<CompileJobData, CompileOutcome>(COMPILE_QUEUE, connection, {
      prefix: config.queuePrefix,
      onError: throttled((err) => logger?.warn({ err: err.message }, 'compile queue: redis unavailable')),
    });
    queue = bull;
    close = async () => {
      await bull.close();
      connection.disconnect();
    };
  } else {
    const processor = compileProcessor({
      headers: new HiveHeaders(registry),
      results: new CacheStore(cache),
      workRoot: path.join(config.workDir, 'compile'),
      pch: config.pchCacheDir ? new PchCache({ dir: config.pchCacheDir, logger }) : undefined,
    });
    queue = new InlineQueue(COMPILE_QUEUE, processor, { concurrency: config.compileConcurrency });
    close = () => queue.close();
  }
  const service = new CompileService({
    queue,
    cache,
    registry,
    maxBacklog: config.maxCompileBacklog,
    onMissingKernel,
  });
  return { service, queue, cache, close };
}

/** At most one call per interval: a Redis outage reports every reconnect attempt. */
function throttled(fn: (err: Error) => void, ms = 5_000): (err: Error) => void {
  let last = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < ms) return;
    last = now;
    fn(err);
  };
}
