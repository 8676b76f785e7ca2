// The wedge the connector guards against, from the inbound side: a client that writes a length header under
// maxFrameSize and never the frame it announces must not hold its connection (and its later frames) forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { within } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

test('inbound – a bogus length header (60000 bytes announced, none sent) then silence: the connection is closed with READ_TIMEOUT', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, readTimeout: 200 });
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
  t.after(() => socket.destroy());
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write(Buffer.from([0xea, 0x60])); // binary2: 60000, under the default maxFrameSize 65535
  await within(closed, 10_000, 'the wedged connection was not closed');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_READ_TIMEOUT, 1);
  // The client reconnects and is served.
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(7))).fields['39'], '00');
});
