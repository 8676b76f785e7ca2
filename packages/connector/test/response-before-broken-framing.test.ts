// A response that comes in the same read as broken framing from the host (a whole frame, then a bad length header) is
// still matched to its request: the message stream hands over the whole frames before the bad bytes, then reports the
// stream broken. Before, the response was thrown away with the bad bytes and its request failed as CONNECTION_LOST
// (an approval the host gave, counted as never answered). Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

test('a response before broken framing in the same read is matched; the connection then closes', async (t) => {
  // One write: the response and a length header announcing 65535 bytes, over maxFrameSize.
  const peer = await startPeer((r, p) => r.socket.write(Buffer.concat([p.frame(answer(r.message)), Buffer.from([0xff, 0xff, 0x30])])));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, maxFrameSize: 4096 });
  const disconnected = new Promise<unknown>((resolve) => connector.once('disconnect', resolve));
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const response = await connector.request(purchase('001501'));
  assert.equal(response['39'], '00');
  assert.equal(response['11'], '001501');
  await within(disconnected, 10_000, 'no disconnect');
  assert.equal(connector.stats().inFlight, 0);
});
