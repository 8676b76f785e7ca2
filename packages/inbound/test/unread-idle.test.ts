// A client that sends requests and never reads its replies is closed by idleTimeout once nothing more is in hand for
// it (its replies wait in the socket, reading is paused): it holds its slot and its unread replies no longer than
// that, and the other clients are answered meanwhile. (Its own side may never see the close: a paused socket does not
// read the reset; the endpoint's disconnect event says it.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin, waitUntil, within } from '@iso8583/test-support';
import type { DisconnectInfo } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { rawConnect } from './support/gates.js';

test('limits – a client that never reads its replies is closed after idleTimeout once its messages are answered; another is served meanwhile', async (t) => {
  const { port, endpoint } = await startEndpoint(t, {
    idleTimeout: 300,
    sequence: (m) => ({ ...approveAll(m, {} as never) as object, 48: 'X'.repeat(990) }),
  });
  const socket = await rawConnect(port);
  t.after(() => socket.destroy());
  socket.pause();
  const cut = eventWithin<DisconnectInfo>(20_000, 'the client that reads nothing was not closed by idleTimeout', (resolve) => {
    endpoint.on('disconnect', (info) => {
      if (info.remotePort === socket.localPort) resolve(info);
    });
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const frame = client.frame(purchase(1));
  // Far more replies than the socket buffers hold: the endpoint stops reading this client.
  const burst = Buffer.concat(Array.from({ length: 500 }, () => frame));
  for (let i = 0; i < 40; i++) socket.write(burst);
  await waitUntil(() => endpoint.stats().messages > 0, { timeoutMs: 10_000, what: 'the unread client\'s requests to be taken' });
  assert.equal((await within(client.request(purchase(2)), 10_000, 'the other client was not answered')).fields['39'], '00');
  assert.equal((await cut).code, 'ISO8583_ERR_INBOUND_IDLE_TIMEOUT');
});
