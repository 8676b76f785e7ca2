// Two upstream groups, each with an upstream named `bank` (two connectors): the console showed one state for both,
// the last group's (`bank` down while its own link was up). Each connector's line now has its own link's state.
// Real connectors: one signed on to a real inbound endpoint on 127.0.0.1, the other's first attempt failed (a closed
// port); a third on its first attempt is `connecting`, neither up nor down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnector, createUpstreamGroup } from '@iso8583/connector';
import { createInboundEndpoint } from '@iso8583/inbound';
import { reservePort } from '@iso8583/test-support';
import { TransactionRing } from '../src/index.js';
import { Figures } from '../src/console/figures.js';

test('console figures – two groups with an upstream of one name: each connector shows its own link\'s state', async (t) => {
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: (m) => ({ ...m.fields, '0': '0110', '39': '00' }) });
  const { port } = await host.start();
  const live = createConnector({ name: 'bank', host: '127.0.0.1', port });
  // A closed port, tried once: its link is down.
  const closed = await reservePort();
  const spare = createConnector({ name: 'bank', host: '127.0.0.1', port: closed.port, reconnect: { initialDelay: 60_000, maxDelay: 60_000 } });
  // Never started: its link is connecting.
  const idle = createConnector({ name: 'bank', host: '127.0.0.1', port });
  t.after(async () => {
    await Promise.all([live.destroy(), spare.destroy(), idle.destroy()]);
    await host.close();
    closed.release();
  });
  await live.connect();
  const primary = createUpstreamGroup({ upstreams: [{ name: 'bank', connector: live }] });
  const standby = createUpstreamGroup({ upstreams: [{ name: 'bank', connector: spare }] });
  await assert.rejects(standby.connect(), { code: 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED' });
  const third = createUpstreamGroup({ upstreams: [{ name: 'bank', connector: idle }] });
  assert.equal(primary.stats().bank?.state, 'up');
  assert.equal(standby.stats().bank?.state, 'down');
  assert.equal(third.stats().bank?.state, 'connecting');
  const connectors = { bank: live, 'bank (standby)': spare, 'bank (third)': idle };
  const snap = new Figures({ connectors: () => connectors, groups: () => [primary, standby, third] }, new TransactionRing()).tick();
  assert.equal(snap.connectors.bank?.state, 'up', 'the primary group\'s bank is up');
  assert.equal(snap.connectors['bank (standby)']?.state, 'down', 'the standby group\'s bank is down');
  assert.equal(snap.connectors['bank (third)']?.state, 'connecting', 'the third group\'s bank is connecting');
  // A connector two groups hold has one state (one connection): the same in both.
  const both = createUpstreamGroup({ upstreams: [{ name: 'main', connector: live }] });
  const again = new Figures({ connectors: () => ({ bank: live }), groups: () => [primary, both] }, new TransactionRing()).tick();
  assert.equal(again.connectors.bank?.state, 'up');
});
