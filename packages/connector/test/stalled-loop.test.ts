// After the event loop stalled (a long GC, a busy machine), Node runs the timers that fell due before it reads the
// sockets: an answer already received lost to its request's timeout, and an approved purchase was reversed. The expiry
// now waits one turn, so the answer that is there is read first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

/** Holds the event loop for `ms` (the stall under test; a busy loop, not a wait for ordering). */
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // the loop is held
  }
}

test('an answer that arrived while the loop stalled past the request timeout wins over the timeout', async (t) => {
  // The host answers at once, then stalls this process (host and connector share it) past the request's timeout: the
  // answer is in the connector's socket before the timer is due, and the timer is due before the socket is read.
  const peer = await startPeer((r, p) => {
    p.send(r.socket, answer(r.message));
    stall(150);
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 50 });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.connect();
  for (const stan of ['000701', '000702', '000703']) {
    const response = await connector.request(purchase(stan));
    assert.equal(response['39'], '00', `${stan} answered, not timed out`);
  }
});

test('a request the host does not answer still times out', async (t) => {
  const peer = await startPeer(() => undefined);
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 50 });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.connect();
  await assert.rejects(connector.request(purchase('000704')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
});
