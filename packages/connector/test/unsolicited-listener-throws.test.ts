// An `unsolicited` (or `late-response`) listener that throws runs on the connection's read loop: the throw broke the
// stream, the channel closed, and every request in flight on that connection failed as maybe sent (reversed) though
// its answer was coming. It is logged quietly and ignored now: the request in flight gets its answer. Real socket,
// a peer that answers when the test says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

test('an unsolicited listener that throws: ignored, the request in flight on the connection still gets its answer', async (t) => {
  const held: Received[] = [];
  const { peer, connector } = await peerAndConnector(t, (r) => void held.push(r), { requestTimeout: 20_000, transactionLog: false });
  await connector.connect();
  let thrown = 0;
  connector.on('unsolicited', () => {
    thrown++;
    throw new Error('a listener bug');
  });
  connector.on('error', () => undefined);
  const pending = connector.request(purchase('004801'));
  await peer.waitFor(1);
  const request = held[0] as Received;
  // An answer no request waits for (another STAN), then the real answer, on the same connection.
  const stray: IsoMessage = answer({ ...request.message, '11': '009999' });
  peer.send(request.socket, stray);
  peer.send(request.socket, answer(request.message));
  const got = await within(pending, 10_000, 'the answer of the request in flight');
  assert.equal(got['39'], '00');
  assert.equal(got['11'], '004801');
  assert.equal(thrown, 1, 'the listener ran (and threw) once');
  assert.equal(connector.stats().reversalsPending ?? 0, 0, 'nothing reversed');
});
