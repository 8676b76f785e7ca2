// Resettable stats: a SIGHUP baseline subtracted from cumulative counters; levels kept; breakdowns emptied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { since } from '../src/stats.js';

test('stats – since a reset, SocketQueue\'s breakdowns are emptied as SocketQueue empties them (total kept at 0)', () => {
  const baseline = {
    securedAmount: 10, faultStat: { '116': 2 }, packetCount: { total: 4, '0200': 2, '0210': 2 },
    upstream: { connected: 1, byMti: { '0200': 2 } },
  };
  const current = {
    securedAmount: 12.5, faultStat: { '116': 2, '5': 1 }, packetCount: { total: 6, '0200': 3, '0210': 3 },
    upstream: { connected: 1, byMti: { '0200': 3 } },
  };
  assert.deepEqual(since(baseline, baseline), {
    securedAmount: 0, faultStat: {}, packetCount: { total: 0 }, upstream: { connected: 1, byMti: {} },
  });
  assert.deepEqual(since(current, baseline), {
    securedAmount: 2.5, faultStat: { '5': 1 }, packetCount: { total: 2, '0200': 1, '0210': 1 }, upstream: { connected: 1, byMti: { '0200': 1 } },
  });
});
