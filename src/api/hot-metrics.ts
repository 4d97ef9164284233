import type { Metric, Registry } from 'prom-client';

type Labels = Record<string, string>;

/** A value as prom-client's registry reads it from `get()`. */
interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** What `get()` gives the registry: prom-client's own metric shape. */
interface Exported {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Value[];
  aggregator: 'sum';
}

interface HotOptions {
  name: string;
  help: string;
  registers: Registry[];
}

/**
 * The per-request counters and histograms (every HTTP request, every /lbc
 * object). prom-client's own hash the label object, check it and look the
 * series up by string on every call: a few microseconds per request at tens of
 * thousands of requests a second. These keep each label set's numbers in a
 * series resolved once, and hand prom-client the same values in its own format
 * when the registry is read, so /metrics and a cluster's summed /metrics are
 * unchanged. Label values must come from bounded sets (route patterns,
 * command names, status codes).
 */
abstract class HotMetric<S extends { labels: Labels }> {
  readonly aggregator = 'sum' as const;
  readonly name: string;
  readonly help: string;
  protected readonly series = new Map<string, S>();

  constructor(opts: HotOptions) {
    this.name = opts.name;
    this.help = opts.help;
    for (const r of opts.registers) r.registerMetric(this as unknown as Metric);
  }

  protected seriesFor(labels: Labels, create: (labels: Labels) => S): S {
    const key = Object.values(labels).join('\0');
    let s = this.series.get(key);
    if (!s) {
      s = create(labels);
      this.series.set(key, s);
    }
    return s;
  }

  reset(): void {
    this.series.clear();
  }
}

export interface CounterSeries {
  labels: Labels;
  value: number;
}

export class HotCounter extends HotMetric<CounterSeries> {
  readonly type = 'counter' as const;

  /** The series of these labels; `inc` it as often as needed. */
  child(labels: Labels): CounterSeries {
    return this.seriesFor(labels, (l) => ({ labels: l, value: 0 }));
  }

  async get(): Promise<Exported> {
    // A series shows from its first count on, as prom-client's do.
    const values = [...this.series.values()]
      .filter((s) => s.value > 0)
      .map((s) => ({ labels: { ...s.labels }, value: s.value }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

export interface HistogramSeries {
  labels: Labels;
  /** Observations per bucket (not cumulative), the last for values above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

export class HotHistogram extends HotMetric<HistogramSeries> {
  readonly type = 'histogram' as const;

  constructor(
    opts: HotOptions,
    private readonly bounds: readonly number[],
  ) {
    super(opts);
  }

  child(labels: Labels): HistogramSeries {
    return this.seriesFor(labels, (l) => ({
      labels: l,
      counts: new Array(this.bounds.length + 1).fill(0),
      sum: 0,
      count: 0,
    }));
  }

  observe(s: HistogramSeries, value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  async get(): Promise<Exported> {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      if (s.count === 0) continue;
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += s.counts[i]!;
        values.push({ labels: { le, ...s.labels }, value: acc, metricName: bucket });
      });
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: bucket });
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
