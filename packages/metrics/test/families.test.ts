import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { CounterFamily, HistogramFamily, ScrapedMetric } from '../src/index.js';

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

test('a counter never goes down: a negative, infinite or NaN inc is refused as prom-client refuses it, nothing added', async () => {
  const registry = new Registry();
  const family = new CounterFamily('w_total', 'W.', ['connector'], registry);
  const theirs = new Counter({ name: 'w_total', help: 'W.', labelNames: ['connector'], registers: [] });
  family.of('a').inc(3);
  for (const by of [-1, Infinity]) assert.throws(() => theirs.inc({ connector: 'a' }, by), 'prom-client refuses it');
  // NaN too (prom-client lets it through, and its count is NaN from then on).
  for (const by of [-1, Number.NaN, Infinity]) assert.throws(() => family.of('a').inc(by), TypeError, String(by));
  family.of('a').inc(0);
  assert.deepEqual(lines(await registry.metrics(), 'w_total'), ['w_total{connector="a"} 3']);
});

test('a histogram refuses a value that is not a finite number (its _sum would be NaN for ever), as prom-client does', async () => {
  const registry = new Registry();
  const family = new HistogramFamily('v_seconds', 'V.', ['connector'], [0.1, 1], registry);
  family.of('a').observe(0.5);
  for (const v of [Number.NaN, Infinity, -Infinity]) assert.throws(() => family.of('a').observe(v), TypeError, String(v));
  assert.deepEqual(lines(await registry.metrics(), 'v_seconds'), [
    'v_seconds_bucket{le="0.1",connector="a"} 0',
    'v_seconds_bucket{le="1",connector="a"} 1',
    'v_seconds_bucket{le="+Inf",connector="a"} 1',
    'v_seconds_sum{connector="a"} 0.5',
    'v_seconds_count{connector="a"} 1',
  ]);
});

test('names the text exposition cannot carry, a histogram label "le" and buckets out of order are refused when the family is made', () => {
  for (const name of ['bad-name', '9_total', 'has space', '']) {
    assert.throws(() => new Counter({ name, help: 'X.', registers: [] }), 'prom-client refuses it');
    assert.throws(() => new CounterFamily(name, 'X.', []), TypeError, name);
    assert.throws(() => new HistogramFamily(name, 'X.', [], [1]), TypeError, name);
    assert.throws(() => new ScrapedMetric(name, 'X.', 'gauge', () => []), TypeError, name);
  }
  for (const label of ['bad-label', '0x', 'a b']) {
    assert.throws(() => new Counter({ name: 'x_total', help: 'X.', labelNames: [label], registers: [] }), 'prom-client refuses it');
    assert.throws(() => new CounterFamily('x_total', 'X.', ['connector', label]), TypeError, label);
  }
  assert.throws(() => new Histogram({ name: 'h_seconds', help: 'H.', labelNames: ['le'], registers: [] }), /le is a reserved/);
  assert.throws(() => new HistogramFamily('h_seconds', 'H.', ['le'], [1]), /"le"/);
  for (const buckets of [[1, 0.5], [0.1, 0.1], [0.1, Number.NaN], [Infinity]]) {
    assert.throws(() => new HistogramFamily('h_seconds', 'H.', [], buckets), /strictly ascending/, JSON.stringify(buckets));
  }
  assert.doesNotThrow(() => new HistogramFamily('ok:h_seconds', 'H.', ['connector', '_x'], [0.001, 0.5, 1]));
});

test('of() with another number of values than label names is refused, naming the family, never the values', async () => {
  const registry = new Registry();
  const family = new CounterFamily('z_total', 'Z.', ['connector', 'mti'], registry);
  for (const values of [['a', '0200', '4111111111111111'], ['a'], []]) {
    assert.throws(() => family.of(...values), (err: Error) => {
      assert.ok(err instanceof TypeError);
      assert.equal(err.message, `z_total: ${values.length} label values for 2 label names (connector, mti)`);
      return true;
    });
  }
  family.of('a', '0200').inc();
  assert.deepEqual(lines(await registry.metrics(), 'z_total'), ['z_total{connector="a",mti="0200"} 1'], 'one series: nothing counted by a refused call');
});
