import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { CounterFamily, HistogramFamily } from '../src/index.js';

/** The lines of one metric in the text exposition, without HELP and TYPE. */
function lines(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(name));
}

test('a counter family writes what prom-client writes for the same counts', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const family = new CounterFamily('x_total', 'X.', ['connector', 'mti'], ours);
  const counter = new Counter({ name: 'x_total', help: 'X.', labelNames: ['connector', 'mti'], registers: [theirs] });
  family.of('a', '0200').inc();
  family.of('a', '0200').inc(4);
  family.of('b', '0100').inc();
  counter.inc({ connector: 'a', mti: '0200' });
  counter.inc({ connector: 'a', mti: '0200' }, 4);
  counter.inc({ connector: 'b', mti: '0100' });
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.deepEqual(lines(await ours.metrics(), 'x_total'), ['x_total{connector="a",mti="0200"} 5', 'x_total{connector="b",mti="0100"} 1']);
});

test('a histogram family writes what prom-client writes, a value on a bound counted in that bucket', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const buckets = [0.001, 0.01, 0.1];
  const family = new HistogramFamily('y_seconds', 'Y.', ['connector'], buckets, ours);
  const histogram = new Histogram({ name: 'y_seconds', help: 'Y.', labelNames: ['connector'], buckets, registers: [theirs] });
  for (const v of [0.0005, 0.001, 0.002, 0.01, 0.5, 7]) {
    family.of('a').observe(v);
    histogram.observe({ connector: 'a' }, v);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.deepEqual(lines(await ours.metrics(), 'y_seconds_bucket'), [
    'y_seconds_bucket{le="0.001",connector="a"} 2',
    'y_seconds_bucket{le="0.01",connector="a"} 4',
    'y_seconds_bucket{le="0.1",connector="a"} 4',
    'y_seconds_bucket{le="+Inf",connector="a"} 6',
  ]);
});

test('resetMetrics starts every series from zero; a name already in the registry is refused', async () => {
  const registry = new Registry();
  const family = new CounterFamily('z_total', 'Z.', ['connector'], registry);
  family.of('a').inc(3);
  registry.resetMetrics();
  assert.deepEqual(lines(await registry.metrics(), 'z_total'), ['z_total{connector="a"} 0']);
  family.of('a').inc();
  assert.deepEqual(lines(await registry.metrics(), 'z_total'), ['z_total{connector="a"} 1']);
  assert.throws(() => new CounterFamily('z_total', 'Z again.', ['connector'], registry), /already been registered/);
});
