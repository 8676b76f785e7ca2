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

test('stats – since a reset, the POS endpoint\'s errorsByCode is emptied as byMti is: no code listed at 0', () => {
  // The shape of `GET /stats` under `pos` (the inbound endpoint's stats): errors by code since the start.
  const baseline = { pos: { connections: 2, messages: 5, errorsByCode: { ISO8583_ERR_INBOUND_DECODE: 3 }, byMti: { '0200': 5 } } };
  const current = { pos: { connections: 2, messages: 7, errorsByCode: { ISO8583_ERR_INBOUND_DECODE: 3, ISO8583_ERR_INBOUND_TIMEOUT: 1 }, byMti: { '0200': 7 } } };
  assert.deepEqual(since(baseline, baseline), { pos: { connections: 2, messages: 0, errorsByCode: {}, byMti: {} } });
  assert.deepEqual(since(current, baseline), {
    pos: { connections: 2, messages: 2, errorsByCode: { ISO8583_ERR_INBOUND_TIMEOUT: 1 }, byMti: { '0200': 2 } },
  });
});

test('stats – since a reset, amounts in major units carry no float dust, at any depth (each upstream\'s too)', () => {
  const baseline = { processedAmount: 0.1, upstreams: { a: { socketQueue: { processedAmount: 10.1, securedAmount: 0.7 } } } };
  const current = { processedAmount: 0.3, upstreams: { a: { socketQueue: { processedAmount: 12.3, securedAmount: 1.1 } } } };
  assert.deepEqual(since(current, baseline), { processedAmount: 0.2, upstreams: { a: { socketQueue: { processedAmount: 2.2, securedAmount: 0.4 } } } });
  // Integers as they were.
  assert.deepEqual(since({ requests: 9007199254740991 }, { requests: 1 }), { requests: 9007199254740990 });
});

test('stats – upstreams named as keys of Object.prototype keep their entries, before and after a reset', () => {
  // A gateway's upstreams are named by its operator (`__proto__`, `constructor`): `/stats` lists each (review48g: an
  // upstream `__proto__` vanished from `/stats`, `constructor` was subtracted from Object's).
  const figures = (n: number): unknown => JSON.parse(`{"upstreams":{"__proto__":{"requests":${n}},"constructor":{"requests":${n}},"b":{"requests":${n}}}}`);
  const first = since(figures(2), undefined) as { upstreams: object };
  assert.deepEqual(Object.keys(first.upstreams), ['__proto__', 'constructor', 'b']);
  assert.equal(JSON.stringify(first), '{"upstreams":{"__proto__":{"requests":2},"constructor":{"requests":2},"b":{"requests":2}}}');
  const reset = since(figures(5), structuredClone(figures(2)));
  assert.equal(JSON.stringify(reset), '{"upstreams":{"__proto__":{"requests":3},"constructor":{"requests":3},"b":{"requests":3}}}');
});

test('stats – an upstream\'s name is never read as a figure\'s: "bypass" keeps its zero counters, "free" is reset (and SocketQueue\'s sums)', async () => {
  const { socketQueueTop } = await import('../src/gateway/gateway-stats.js');
  const upstream = (requests: number, secured: number) => ({
    connected: 1, requests, timeouts: 0, socketQueue: { securedAmount: secured, packetCount: { total: 2 * requests, '0200': requests, '0210': requests } },
  });
  const baseline = { upstreams: { free: upstream(1, 10), bypass: upstream(0, 0), active: upstream(2, 20) } };
  const after = since(baseline, baseline) as { upstreams: Record<string, { connected: number; requests: number; timeouts?: number; socketQueue: unknown }> };
  for (const name of ['free', 'bypass', 'active']) {
    const u = after.upstreams[name];
    assert.equal(u?.requests, 0, `${name}: requests reset`);
    assert.equal(u?.timeouts, 0, `${name}: its zero timeouts kept`);
    assert.equal(u?.connected, 1, `${name}: a gauge as it is`);
  }
  const top = socketQueueTop(Object.values(after.upstreams).map((u) => u.socketQueue));
  assert.equal(top.securedAmount, 0, 'SocketQueue resets securedAmount');
  assert.deepEqual(top.packetCount, { total: 0 }, 'SocketQueue resets packetCount to {total: 0}');
  // A flow's maps of names alike.
  assert.deepEqual(since({ connectors: { bypass: { requests: 0, byMti: {} } } }, undefined), { connectors: { bypass: { requests: 0, byMti: {} } } });
});
