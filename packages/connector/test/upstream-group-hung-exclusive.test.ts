// An upstream group over exclusive-mode upstreams: a host that takes a request and never answers it times out, and
// the pool closes that connection (the host may still be on it). That close is a fault, unlike an idle eviction: the
// upstream is reported down (event, count), then up again once its replacement connection is. Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '@iso8583/test-support';
import { purchase } from './peer.js';
import { peerFor, startGroup, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

test('upstream group hung exclusive – a timed-out request closes the only connection: the upstream is reported down', async (t) => {
  const a = await peerFor(t, () => undefined); // takes every request, answers none
  const b = await peerFor(t);
  const exclusive = { mode: 'exclusive' as const, pool: { min: 1, max: 1 }, requestTimeout: 300 };
  const group = await startGroup(t, { upstreams: [{ ...upstream('A', a), ...exclusive }, { ...upstream('B', b), ...exclusive }] }, () => []);
  const downs: { upstream: string; code?: string }[] = [];
  group.on('down', (e: { upstream: string; code?: string }) => downs.push(e));
  const err = await failure(group.request(purchase('055001')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  // The pool closes the connection as the request fails; its socket's close (a later turn) reports the upstream down.
  await waitUntil(() => downs.length > 0, { what: 'the down event of A', timeoutMs: 10_000 });
  assert.deepEqual(downs.map((e) => [e.upstream, e.code]), [['A', 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST']]);
  assert.equal(group.stats().A?.downs, 1);
});
