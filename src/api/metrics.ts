import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { type CounterSeries, type HistogramSeries, HotCounter, HotHistogram } from './hot-metrics.js';
import { createJobMetrics, type JobMetricsOptions } from './job-metrics.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface MetricsOptions extends JobMetricsOptions {
  defaultMetrics?: boolean;
  /** What /metrics shows, given this process's registry (default: its own text; a cluster worker: all processes'). */
  exposition?: (local: Registry) => () => Promise<string>;
}

/** One Prometheus registry per app, so several apps (tests) never share counters. */
export function createMetrics(opts: MetricsOptions = {}) {
  const registry = new Registry();
  const text = opts.exposition?.(registry) ?? (() => registry.metrics());
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'surfhive_' });
  // The per-request series: updated on every request, without prom-client's per-call label work.
  const lbcRequests = new HotCounter({
    name: 'surfhive_lbc_requests_total',
    help: 'Legacy /lbc request objects answered, by command and outcome',
    registers: [registry],
  });
  const lbcLatency = new HotHistogram(
    {
      name: 'surfhive_lbc_request_duration_seconds',
      help: 'Time to answer one legacy /lbc request object, by command',
      registers: [registry],
    },
    LATENCY_BUCKETS,
  );
  const httpRequests = new HotCounter({
    name: 'surfhive_http_requests_total',
    help: 'HTTP requests by route and status code',
    registers: [registry],
  });
  const httpLatency = new HotHistogram(
    {
      name: 'surfhive_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      registers: [registry],
    },
    LATENCY_BUCKETS,
  );
  // 1 in each process: a cluster's aggregated /metrics sums it to the number of processes answering.
  new Gauge({
    name: 'surfhive_server_processes',
    help: 'Server processes whose metrics this scrape includes',
    registers: [registry],
  }).set(1);
  const dbCache = new Counter({
    name: 'surfhive_db_cache_total',
    help: 'Kernel database handle cache lookups',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const answerCache = new Counter({
    name: 'surfhive_answer_cache_total',
    help: 'Serialized answer cache lookups',
    labelNames: ['result'] as const,
    registers: [registry],
  });

  // Series resolved once per command and per route: the hot path only adds.
  const children = new Map<string, { ok: CounterSeries; err: CounterSeries; time: HistogramSeries }>();
  const forCmd = (cmd: string) => {
    let c = children.get(cmd);
    if (!c) {
      c = {
        ok: lbcRequests.child({ cmd, outcome: 'ok' }),
        err: lbcRequests.child({ cmd, outcome: 'error' }),
        time: lbcLatency.child({ cmd }),
      };
      children.set(cmd, c);
    }
    return c;
  };
  const httpChildren = new Map<string, { count: CounterSeries; time: HistogramSeries }>();
  const dbHit = dbCache.labels('hit');
  const dbMiss = dbCache.labels('miss');
  const ansHit = answerCache.labels('hit');
  const ansMiss = answerCache.labels('miss');

  return {
    registry,
    /** The Prometheus text /metrics answers. */
    text,
    /** `cmd` must come from the command table (bounded label values). */
    lbcDone(cmd: string, ok: boolean, seconds: number) {
      const c = forCmd(cmd);
      (ok ? c.ok : c.err).value++;
      lbcLatency.observe(c.time, seconds);
    },
    /** `route` must be a route pattern (bounded label values). */
    httpDone(route: string, method: string, status: number, seconds: number) {
      const key = `${method} ${status} ${route}`;
      let c = httpChildren.get(key);
      if (!c) {
        c = {
          count: httpRequests.child({ route, method, status: String(status) }),
          time: httpLatency.child({ route, method }),
        };
        httpChildren.set(key, c);
      }
      c.count.value++;
      httpLatency.observe(c.time, seconds);
    },
    /** Compile, ingest, ko and provisioning metrics. */
    jobs: createJobMetrics(registry, opts),
    lookupEvents: {
      dbHit: () => dbHit.inc(),
      dbMiss: () => dbMiss.inc(),
      answerHit: () => ansHit.inc(),
      answerMiss: () => ansMiss.inc(),
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
