// A match key reused after a timeout (a terminal's next request under the STAN of one that timed out, reversal off)
// is remembered as late on its connection: the new request's own answer is still its own (a request in flight is
// matched before the late keys are looked at), it neither times out nor is its answer reported as late; the old
// request's answer, coming after, is the one reported late. Real socket, a peer that answers when the test says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

test('a key reused after a timeout: the new request gets its own answer, not labelled late; the old answer, later, is the late one', async (t) => {
  const held: Received[] = [];
  const { peer, connector } = await peerAndConnector(t, (r) => void held.push(r), { requestTimeout: 200, transactionLog: false });
  await connector.connect();
  const lateAnswers: IsoMessage[] = [];
  let lateSeen: () => void = () => undefined;
  const late = new Promise<void>((resolve) => (lateSeen = resolve));
  connector.on('late-response', (m) => {
    lateAnswers.push(m);
    lateSeen();
  });
  const unsolicited: IsoMessage[] = [];
  connector.on('unsolicited', (m) => void unsolicited.push(m));

  // The first purchase of 10.00 times out, unanswered.
  await assert.rejects(connector.request(purchase('004711', 'TERM0001', '000000001000')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  // The next, 25.00 under the same STAN and terminal, is answered: with its own amount.
  const second = connector.request(purchase('004711', 'TERM0001', '000000002500'), { timeout: 20_000 });
  await peer.waitFor(2);
  const [old, reused] = held as [Received, Received];
  peer.send(reused.socket, answer(reused.message));
  const got = await second;
  assert.equal(got['4'], '000000002500', 'the new request got its own answer');
  assert.equal(got['39'], '00');
  assert.deepEqual(lateAnswers, [], 'its answer was not reported late');
  // The first one's answer, now: reported late (its key still remembered), not taken by anything.
  peer.send(old.socket, answer(old.message));
  await within(late, 10_000, 'the old answer to be reported late');
  assert.deepEqual(lateAnswers.map((m) => m['4']), ['000000001000'], 'the old answer is the late one');
  assert.deepEqual(unsolicited, []);
});
