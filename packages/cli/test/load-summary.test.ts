// The load summary's statistics: histogram percentiles close to the exact nearest-rank ones, and outcomes listed response codes first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { LatencyHistogram, summarizeLatency } from '../src/index.js';
import { nextStan, terminalId } from '../src/load/purchase.js';
import { formatSummary, sortedOutcomes } from '../src/load/summary.js';

/** The exact nearest-rank quantile of ascending values. */
function nearestRank(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

test('LatencyHistogram quantiles are the nearest-rank value or a neighbour\'s, within 0.1% (+1 µs)', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0.001, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 300 }),
      fc.double({ min: 0.01, max: 1, noNaN: true }), (values, q) => {
        const histogram = new LatencyHistogram();
        for (const v of values) histogram.record(v);
        const sorted = values.map((v) => Math.round(v * 1000) / 1000).sort((a, b) => a - b);
        // HDR rounds the rank to the nearest sample: the value is the exact one of rank q, or a neighbour's.
        const low = nearestRank(sorted, q - 1 / sorted.length);
        const high = nearestRank(sorted, q + 1 / sorted.length);
        const got = histogram.quantile(q);
        assert.ok(got >= low * 0.999 - 0.001 && got <= high * 1.001 + 0.001, `q ${q}: ${got} not in [${low}, ${high}]`);
        assert.equal(histogram.count, values.length);
      }),
    propertyRuns(100),
  );
});

test('summarizeLatency orders p50 <= p95 <= p99 <= max, and is all zero without answers', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 300 }), (values) => {
      const s = summarizeLatency(values);
      assert.ok(s.p50 <= s.p95 && s.p95 <= s.p99 && s.p99 <= s.max);
      const max = Math.max(...values);
      assert.ok(Math.abs(s.max - max) <= max * 0.001 + 0.001, `max ${s.max} vs ${max}`);
    }),
    propertyRuns(100),
  );
  assert.deepEqual(summarizeLatency([]), { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
});

test('outcomes list response codes in order, then what ended without an answer', () => {
  const order = sortedOutcomes({ timeout: 1, '51': 2, closed: 1, '00': 5, '05': 3 }).map(([k]) => k);
  assert.deepEqual(order, ['00', '05', '51', 'closed', 'timeout']);
  const text = formatSummary({
    clients: 2, connectFailures: 1, lostConnections: 0, sent: 11, notSent: 0, answered: 10, unmatched: 0, undecodable: 0, durationMs: 2000, tps: 5,
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

test('a run where nothing was answered shows no latency figures (not p50 0.00), as text and as JSON null', () => {
  const text = formatSummary({
    clients: 1, connectFailures: 0, lostConnections: 0, sent: 3, notSent: 0, answered: 0, unmatched: 0, undecodable: 0, durationMs: 1000, tps: 0, latencyMs: null, outcomes: { timeout: 3 },
  });
  assert.match(text, /^latency ms +- \(nothing answered\)$/m);
  assert.doesNotMatch(text, /p50/);
});

test('an interrupted run says so above its figures', () => {
  const text = formatSummary({
    clients: 1, connectFailures: 0, lostConnections: 0, sent: 3, notSent: 0, answered: 3, unmatched: 0, undecodable: 0, durationMs: 1000, tps: 3, interrupted: true,
    latencyMs: { p50: 1, p95: 2, p99: 3, max: 4, mean: 1.5 }, outcomes: { '00': 3 },
  });
  assert.match(text, /^interrupted +\(SIGINT\)/);
});
