// MessageStream.cut(): a destroy without the read-out's quiet wait. destroy() of a stream whose peer neither reads nor
// sends (so never sees the FIN, never ends) closes after 500 ms of quiet (10 s for a peer trickling a byte now and
// then); an owner that must be done now (an endpoint's destroy, an eviction) cuts it: the read-out ends once the
// polls bring nothing, and what the peer sent before, and the frames the kernel took, are not lost by a reset. The
// close is awaited by its event, with a bound far below 500 ms. Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { within } from '@iso8583/test-support';
import { BURST, frameNumbers, socketPair, writeBurst } from './stream-support.js';
import { MessageStream } from '../src/index.js';

test('MessageStream – cut() of a destroy whose peer never reads nor ends closes at once; each frame got or dropped', async (t) => {
  const { client, server } = await socketPair(t);
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  client.pause();
  // Bytes of the peer already there: read out (no reset), however they came.
  await new Promise<void>((resolve, reject) => client.write(Buffer.alloc(64 * 1024), (err) => (err ? reject(err) : resolve())));
  const dropped = writeBurst(stream);
  stream.destroy();
  stream.cut();
  await within(once(server, 'close'), 400, 'the cut stream did not close at once');
  const received: Buffer[] = [];
  client.on('data', (chunk: Buffer) => received.push(chunk));
  client.on('error', () => undefined);
  const closed = once(client, 'close');
  client.resume();
  await closed;
  const got = frameNumbers(Buffer.concat(received));
  assert.deepEqual([...got].filter((i) => dropped.has(i)), [], 'no frame the peer got is reported dropped');
  assert.equal(got.size + dropped.size, BURST.count, `each frame got (${got.size}) or dropped (${dropped.size})`);
});
