// A request the codec refuses before the wire (an unknown field) is the caller's fault, not its upstream's: it is not
// counted in `iso8583_upstream_requests_total` (the connector's `iso8583_connector_failures_total` counts it by code).
// Before: it counted as `outcome="failed"` of the upstream tried, so bad clients made an upstream look failing. A
// request that could not reach its upstream (no connection) still counts as failed there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { purchase } from './peer.js';
import { answering, downPort, startGroup, upstream } from './helpers/setup.js';
import { createUpstreamGroup } from '../src/index.js';

/** The `iso8583_upstream_requests_total` series of `text` with a value above 0, as `upstream/outcome value`. */
function outcomes(text: string): string[] {
  return [...text.matchAll(/^iso8583_upstream_requests_total\{upstream="(\w+)",outcome="(\w+)"\} (\d+)$/gm)].filter((m) => m[3] !== '0').map((m) => `${m[1]}/${m[2]} ${m[3]}`);
}

test('a request the codec refuses before the wire counts as no upstream outcome', async (t) => {
  const a = await answering();
  const b = await answering();
  const group = await startGroup(t, { upstreams: [upstream('a', a), upstream('b', b)] }, () => [a, b]);
  const bad = { ...purchase('710001'), '200': 'X' } as IsoMessage;
  await assert.rejects(group.request(bad), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
  await assert.rejects(group.sendMessage(JSON.stringify(bad)), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
  assert.equal((await group.request(purchase('710002')))['39'], '00');
  assert.deepEqual(outcomes(await group.registry.metrics()), ['a/answered 1']);
  assert.equal(a.received.length + b.received.length, 1, 'the refused requests reached no host');
});

test('a request that could not reach its upstream (no connection) counts as failed there', async (t) => {
  const port = await downPort(t);
  const group = createUpstreamGroup({
    upstreams: [{ name: 'down', host: '127.0.0.1', port, reconnect: { initialDelay: 10, maxDelay: 50 }, pool: { acquireTimeout: 300 } }],
  });
  t.after(() => group.destroy());
  await group.connect().catch(() => undefined);
  await assert.rejects(group.request(purchase('710003')), (err: { code?: string }) => /CONNECT|POOL/.test(String(err.code)));
  assert.deepEqual(outcomes(await group.registry.metrics()), ['down/failed 1']);
});

test('a request its caller aborts while it waits for a connection counts as no upstream outcome', async (t) => {
  // Before: ABORTED (sent 'no', the caller gone) counted as `failed` of the upstream, as a connect error would.
  const port = await downPort(t);
  const group = createUpstreamGroup({
    upstreams: [{ name: 'down', host: '127.0.0.1', port, reconnect: { initialDelay: 10, maxDelay: 50 }, pool: { acquireTimeout: 60_000 } }],
  });
  t.after(() => group.destroy());
  await group.connect().catch(() => undefined);
  const gone = new AbortController();
  const asked = group.request(purchase('710004'), { signal: gone.signal });
  gone.abort();
  await assert.rejects(asked, { code: 'ISO8583_ERR_CONNECTOR_ABORTED', sent: 'no' });
  assert.deepEqual(outcomes(await group.registry.metrics()), []);
});
