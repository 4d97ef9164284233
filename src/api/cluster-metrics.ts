import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const ASK = 'surfhive:cluster-metrics?';
const ANSWER = 'surfhive:cluster-metrics';

interface Answer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

const isAnswer = (m: unknown): m is Answer => (m as Answer | null)?.type === ANSWER;

/**
 * In a `serve --processes` worker: offers `local` to the primary's
 * aggregation (prom-client's AggregatorRegistry asks every worker), and
 * returns how to get the text of all processes together, summed.
 */
export function clusterMetricsText(local: Registry, timeoutMs = 5_000): () => Promise<string> {
  AggregatorRegistry.setRegistries([local]);
  // Constructing one makes this worker answer the primary's requests for its metrics.
  new AggregatorRegistry();
  let nextId = 0;
  const waiting = new Map<number, (a: Answer) => void>();
  process.on('message', (m: unknown) => {
    if (isAnswer(m)) waiting.get(m.id)?.(m);
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(
        () => settle({ type: ANSWER, id, error: 'no answer from the primary' }),
        timeoutMs,
      );
      const settle = (a: Answer) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (a.text !== undefined) resolve(a.text);
        else reject(new Error(`cluster metrics: ${a.error}`));
      };
      waiting.set(id, settle);
      process.send?.({ type: ASK, id });
    });
}

/** In the primary: answers each worker's request with the metrics of every worker aggregated. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, m: { type?: string; id?: number }) => {
    if (m?.type !== ASK || typeof m.id !== 'number') return;
    const id = m.id;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id, text }),
      (err: Error) => worker.send({ type: ANSWER, id, error: err.message }),
    );
  });
}
