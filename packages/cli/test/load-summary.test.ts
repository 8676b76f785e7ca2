// The load summary's statistics: nearest-rank percentiles, and outcomes listed response codes first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatSummary, nextStan, quantile, sortedOutcomes, summarizeLatency, terminalId } from '../src/index.js';

test('quantile is the nearest-rank value: the smallest value with at least q of the values at or below it', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
      fc.double({ min: 0.01, max: 1, noNaN: true }), (values, q) => {
        const sorted = [...values].sort((a, b) => a - b);
        const v = quantile(sorted, q);
        assert.ok(sorted.includes(v));
        assert.ok(sorted.filter((x) => x <= v).length >= q * sorted.length);
        assert.ok(sorted.filter((x) => x < v).length < q * sorted.length);
      }),
  );
});

test('summarizeLatency orders p50 <= p95 <= p99 <= max, and is all zero without answers', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 300 }), (values) => {
      const s = summarizeLatency([...values]);
      assert.ok(s.p50 <= s.p95 && s.p95 <= s.p99 && s.p99 <= s.max);
      assert.equal(s.max, Math.max(...values));
    }),
  );
  assert.deepEqual(summarizeLatency([]), { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
});

test('outcomes list response codes in order, then what ended without an answer', () => {
  const order = sortedOutcomes({ timeout: 1, '51': 2, closed: 1, '00': 5, '05': 3 }).map(([k]) => k);
  assert.deepEqual(order, ['00', '05', '51', 'closed', 'timeout']);
  const text = formatSummary({
    clients: 2, connectFailures: 1, sent: 11, answered: 10, durationMs: 2000, tps: 5,
    latencyMs: { p50: 1, p95: 2, p99: 3, max: 4, mean: 1.5 }, outcomes: { '00': 10, timeout: 1 },
  });
  assert.match(text, /^outcomes +00: 10 +timeout: 1$/m);
  assert.match(text, /^clients +2 \(1 could not connect\)$/m);
});

test('STANs cycle 000001-999999 and terminal ids are distinct 8-character field 41 values', () => {
  assert.equal(nextStan(0), 1);
  assert.equal(nextStan(41), 42);
  assert.equal(nextStan(999999), 1);
  const ids = Array.from({ length: 1000 }, (_, i) => terminalId(i));
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.equal(id.length, 8);
});
