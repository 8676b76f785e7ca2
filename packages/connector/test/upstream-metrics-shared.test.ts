// One connector in two upstream groups on one Registry (a flow allows it): one upstream in the iso8583_upstream_*
// metrics, its outage counted once, its in-flight the sum of the groups'; a group released leaves no series behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createConnector, createUpstreamGroup } from '../src/index.js';
import { UpstreamMetrics } from '../src/upstream-metrics.js';
import type { UpstreamSource } from '../src/upstream-metrics.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Received } from './peer.js';
import { groupEvent } from './helpers/setup.js';

async function sample(registry: Registry, name: string, upstream: string): Promise<number | undefined> {
  const line = (await registry.getSingleMetricAsString(name)).split('\n').find((l) => l.startsWith(`${name}{upstream="${upstream}"}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

test('one connector in two groups: one outage is one down, in-flight is the sum of both groups\' requests', async (t) => {
  const held: Received[] = [];
  const peer = await startPeer((r, p) => (r.message['0'] === '0800' ? p.send(r.socket, answer(r.message)) : held.push(r)));
  const registry = new Registry();
  const bank = createConnector({ name: 'bank', host: '127.0.0.1', port: peer.port, registry, reconnect: { initialDelay: 60_000, maxDelay: 60_000 } });
  const g1 = createUpstreamGroup({ upstreams: [{ name: 'bank', connector: bank }], registry });
  const g2 = createUpstreamGroup({ upstreams: [{ name: 'bank', connector: bank }], registry });
  t.after(async () => {
    await bank.destroy();
    await peer.close();
  });
  await g1.connect();
  await g2.connect();
  const one = g1.request(purchase('000001')).catch((e: { code: string }) => e.code);
  const two = g2.request(purchase('000002')).catch((e: { code: string }) => e.code);
  await peer.waitFor(2 + peer.received.filter((r) => r.message['0'] === '0800').length);
  assert.equal(await sample(registry, 'iso8583_upstream_in_flight', 'bank'), 2, 'one request through each group');
  const downs = Promise.all([groupEvent(g1, 'down', 'bank'), groupEvent(g2, 'down', 'bank')]);
  for (const s of peer.sockets) s.destroy();
  await downs;
  assert.equal(await one, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
  assert.equal(await two, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
  assert.equal(await sample(registry, 'iso8583_upstream_down_total', 'bank'), 1, 'one outage, counted once');
  assert.equal(await sample(registry, 'iso8583_upstream_in_flight', 'bank'), 0);
  assert.equal(await sample(registry, 'iso8583_upstream_up', 'bank'), 0);
});

/** An upstream's live values as upstream-group.ts gives them. */
const source = (name: string, inFlight = 0): UpstreamSource => ({ name, up: () => true, inFlight: () => inFlight, safDepth: () => 0 });

test('a group\'s down reported again is a new outage; groups released leave no series behind', async () => {
  const registry = new Registry();
  const g1 = new UpstreamMetrics([source('bank', 1)], registry);
  const g2 = new UpstreamMetrics([source('bank', 2)], registry);
  for (let outage = 1; outage <= 3; outage++) {
    g1.down('bank');
    g2.down('bank');
    assert.equal(await sample(registry, 'iso8583_upstream_down_total', 'bank'), outage);
  }
  // One group alone: each of its downs is an outage.
  const lone = new UpstreamMetrics([source('solo')], registry);
  lone.down('solo');
  lone.down('solo');
  assert.equal(await sample(registry, 'iso8583_upstream_down_total', 'solo'), 2);
  assert.equal(await sample(registry, 'iso8583_upstream_in_flight', 'bank'), 3);
  lone.release();
  g1.release();
  assert.equal(await sample(registry, 'iso8583_upstream_in_flight', 'bank'), 2, 'g2 still reports bank');
  assert.equal(await sample(registry, 'iso8583_upstream_down_total', 'solo'), undefined);
  for (let i = 0; i < 20; i++) new UpstreamMetrics([source(`u${i}`)], registry).release();
  g2.release();
  g2.release();
  const text = await registry.metrics();
  assert.equal(text.split('\n').filter((l) => l.startsWith('iso8583_upstream_')).length, 0, text);
});
