// SocketQueue's `packetCount` and `processedAmount` count what was passed on to the bank: a request the channel
// refuses (a duplicate match key in flight) never reached it and counts in neither, on the ready path (a connection
// free at once) and on the path that waits for a connection.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import type { Connector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Peer } from './peer.js';

/** A bank that answers each request once the test releases the answers. */
async function heldBank(t: TestContext): Promise<{ peer: Peer; connector: Connector; release: () => void }> {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const peer = await startPeer((r, p) => void held.then(() => p.send(r.socket, answer(r.message))));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  return { peer, connector, release };
}

async function sendWithDuplicates(connector: Connector, peer: Peer, release: () => void): Promise<void> {
  const first = connector.request(purchase('000501', 'TERM0001', '000000001000'));
  for (let i = 0; i < 3; i++) {
    await assert.rejects(connector.request(purchase('000501', 'TERM0001', '000000001000')), { code: 'ISO8583_ERR_CONNECTOR_DUPLICATE_KEY' });
  }
  await peer.waitFor(1);
  release();
  assert.equal((await within(first, 10_000, 'the held purchase was not answered'))['39'], '00');
  assert.equal(peer.received.length, 1, 'the bank saw one request');
  const s = connector.stats();
  assert.equal(s.requests, 4, 'every request accepted is counted');
  assert.deepEqual(s.socketQueue.packetCount, { total: 2, '0200': 1, '0210': 1 });
  assert.equal(s.socketQueue.processedAmount, 10);
}

test('socketqueue figures – duplicates refused on the ready path are not packets the bank saw', async (t) => {
  const { peer, connector, release } = await heldBank(t);
  await connector.connect();
  await sendWithDuplicates(connector, peer, release);
});

test('socketqueue figures – duplicates refused after waiting for a connection are not packets the bank saw', async (t) => {
  const { peer, connector, release } = await heldBank(t);
  // Not connected yet: every request waits for the connection, then the channel refuses the duplicates.
  await sendWithDuplicates(connector, peer, release);
});
