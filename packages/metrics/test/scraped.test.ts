import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gauge, Histogram, Registry } from 'prom-client';
import { ScrapedMetric, histogramSamples } from '../src/index.js';

/** A source that counts in its own numbers. */
interface Source {
  name: string;
  open: number;
  buckets: number[];
  sum: number;
  count: number;
}

const BOUNDS = [0.001, 0.01, 0.1];

function source(name: string, values: number[] = []): Source {
  const s: Source = { name, open: 0, buckets: BOUNDS.map(() => 0), sum: 0, count: 0 };
  for (const v of values) {
    const i = BOUNDS.findIndex((b) => v <= b);
    if (i >= 0) s.buckets[i] = (s.buckets[i] as number) + 1;
    s.sum += v;
    s.count += 1;
  }
  return s;
}

test('a scraped histogram writes what prom-client writes for the same observations, a value on a bound in that bucket', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const values = [0.0005, 0.001, 0.002, 0.01, 0.5, 7];
  const metric = new ScrapedMetric<Source>('y_seconds', 'Y.', 'histogram', (s, name) =>
    histogramSamples([], name, BOUNDS, s.buckets, s.sum, s.count, { endpoint: s.name }));
  metric.sources.add(source('pos', values));
  ours.registerMetric(metric as never);
  const histogram = new Histogram({ name: 'y_seconds', help: 'Y.', labelNames: ['endpoint'], buckets: BOUNDS, registers: [theirs] });
  for (const v of values) histogram.observe({ endpoint: 'pos' }, v);
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('a scraped gauge reads every source at each scrape; resetMetrics leaves the sources\' counts', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const a = source('a');
  const b = source('b');
  const metric = new ScrapedMetric<Source>('x_connections', 'X.', 'gauge', (s) => [{ labels: { endpoint: s.name }, value: s.open }]);
  metric.sources.add(a);
  metric.sources.add(b);
  ours.registerMetric(metric as never);
  a.open = 3;
  b.open = 1;
  const gauge = new Gauge({ name: 'x_connections', help: 'X.', labelNames: ['endpoint'], registers: [theirs] });
  gauge.set({ endpoint: 'a' }, 3);
  gauge.set({ endpoint: 'b' }, 1);
  assert.equal(await ours.metrics(), await theirs.metrics());
  ours.resetMetrics();
  a.open = 4;
  assert.match(await ours.metrics(), /^x_connections\{endpoint="a"\} 4$/m);
  assert.match(await ours.metrics(), /^x_connections\{endpoint="b"\} 1$/m);
});
