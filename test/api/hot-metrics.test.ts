import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import t from 'tap';
import { HotCounter, HotHistogram } from '../../src/api/hot-metrics.js';

const BOUNDS = [0.001, 0.01, 0.1, 1];
const observations: [string, string, number][] = [
  ['/lbc', 'POST', 0],
  ['/lbc', 'POST', 0.001],
  ['/lbc', 'POST', 0.0105],
  ['/lbc', 'POST', 7],
  ['/api/v1/kernels', 'GET', 0.2],
  ['/api/v1/kernels', 'GET', 0.05],
];

/** The same observations through prom-client's own metrics and through the hot ones. */
function both() {
  const ref = new Registry();
  const hot = new Registry();
  const refCount = new Counter({
    name: 'x_total',
    help: 'h',
    labelNames: ['route', 'method'],
    registers: [ref],
  });
  const refTime = new Histogram({
    name: 'x_seconds',
    help: 'h',
    labelNames: ['route', 'method'],
    buckets: BOUNDS,
    registers: [ref],
  });
  const hotCount = new HotCounter({ name: 'x_total', help: 'h', registers: [hot] });
  const hotTime = new HotHistogram({ name: 'x_seconds', help: 'h', registers: [hot] }, BOUNDS);
  hotCount.child({ route: '/never', method: 'GET' });
  for (const [route, method, v] of observations) {
    refCount.labels(route, method).inc();
    refTime.labels(route, method).observe(v);
    hotCount.child({ route, method }).value++;
    hotTime.observe(hotTime.child({ route, method }), v);
  }
  return { ref, hot };
}

t.test('the exposition text is the same as prom-client’s own counter and histogram', async (t) => {
  const { ref, hot } = both();
  const hotText = await hot.metrics();
  t.equal(hotText, await ref.metrics());
  t.notMatch(hotText, '/never', 'a series never counted does not show');
  t.match(hotText, 'x_seconds_bucket{le="0.001",route="/lbc",method="POST"} 2');
  t.match(hotText, 'x_seconds_bucket{le="+Inf",route="/lbc",method="POST"} 4');
});

t.test('a cluster’s summed metrics are the same too', async (t) => {
  const a = both();
  const b = both();
  const sum = async (x: Registry, y: Registry) =>
    AggregatorRegistry.aggregate([await x.getMetricsAsJSON(), await y.getMetricsAsJSON()]).metrics();
  t.equal(await sum(a.hot, b.hot), await sum(a.ref, b.ref));
  t.match(await sum(a.hot, b.hot), 'x_total{route="/lbc",method="POST"} 8');
});

t.test('reset empties every series', async (t) => {
  const { hot } = both();
  hot.resetMetrics();
  t.notMatch(await hot.metrics(), 'route=');
});
