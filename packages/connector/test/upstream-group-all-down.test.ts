// With no upstream up, a request is tried on each upstream in turn (docs/gateway.md, "Upstream groups"), each waiting
// for a connection as a lone connector would, all within the request's time. Before: only the first upstream was
// tried (the group moved on only while another upstream was up), so a second bank that could take it never saw it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createUpstreamGroup } from '../src/index.js';
import { purchase } from './peer.js';
import { downPort, peerFor } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

/** An upstream named `name` on a port nothing listens on (every connect refused), retried every 10-50 ms. */
async function downUpstream(t: AfterHook, name: string): Promise<{ name: string; host: string; port: number; reconnect: { initialDelay: number; maxDelay: number } }> {
  return { name, host: '127.0.0.1', port: await downPort(t), reconnect: { initialDelay: 10, maxDelay: 50 } };
}

/** The `iso8583_upstream_requests_total` series of `text` with a value above 0, as `upstream/outcome value`. */
function outcomes(text: string): string[] {
  return [...text.matchAll(/^iso8583_upstream_requests_total\{upstream="(\w+)",outcome="(\w+)"\} (\d+)$/gm)].filter((m) => m[3] !== '0').map((m) => `${m[1]}/${m[2]} ${m[3]}`);
}

test('no upstream up: the request is tried on each upstream in turn, and the last one\'s connect error is the answer', async (t) => {
  const upstreams = [await downUpstream(t, 'a'), await downUpstream(t, 'b'), await downUpstream(t, 'c')];
  const group = createUpstreamGroup({ upstreams });
  t.after(() => group.destroy());
  await group.connect().catch(() => undefined);
  assert.deepEqual(group.healthy(), []);
  const t0 = performance.now();
  await assert.rejects(group.request(purchase('720001'), { timeout: 5_000 }), { code: 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED' });
  assert.ok(performance.now() - t0 < 20_000, 'within the request\'s time and each pool wait');
  assert.deepEqual(outcomes(await group.registry.metrics()), ['a/failed 1', 'b/failed 1', 'c/failed 1']);
});

test('no upstream up and the caller\'s deadline passed after the first try: no further try', async (t) => {
  const upstreams = [await downUpstream(t, 'a'), await downUpstream(t, 'b')];
  const group = createUpstreamGroup({ upstreams });
  t.after(() => group.destroy());
  await group.connect().catch(() => undefined);
  // A deadline that has passed by the time the first try fails: the first try is refused by it, and nothing moves on.
  await assert.rejects(group.request(purchase('720002'), { deadline: performance.now() + 1 }), { code: /ISO8583_ERR_CONNECTOR_(DEADLINE|CONNECT_FAILED)/ });
  const tried = outcomes(await group.registry.metrics());
  assert.equal(tried.length, 1, tried.join(', '));
  assert.match(tried[0] as string, /^a\//);
});

test('no upstream up: a first try longer than the request\'s time is the answer, no upstream tried after it', async (t) => {
  // "a" takes connections but never answers the sign-on: it stays down, and its pool wait ends after 600 ms.
  const silent = await peerFor(t, () => undefined);
  const upstreams = [
    { name: 'a', host: '127.0.0.1', port: silent.port, signOn: true, pool: { acquireTimeout: 600 }, reconnect: { initialDelay: 10, maxDelay: 50 } },
    await downUpstream(t, 'b'),
  ];
  const group = createUpstreamGroup({ upstreams });
  t.after(() => group.destroy());
  void group.connect().catch(() => undefined);
  assert.deepEqual(group.healthy(), []);
  const t0 = performance.now();
  const err = await group.request(purchase('720003'), { timeout: 200 }).then(() => undefined, (e: { code?: string }) => e);
  assert.ok(err !== undefined && err.code !== 'ISO8583_ERR_CONNECTOR_DEADLINE', `the first try's own error is the answer (${String(err?.code)})`);
  assert.ok(performance.now() - t0 < 10_000, 'one pool wait, not one per upstream');
  assert.deepEqual(outcomes(await group.registry.metrics()), ['a/failed 1'], 'the request\'s time was over: "b" was not tried');
});
