// A match key reused after an answer (a terminal's next purchase under the STAN of one the host answered): the host's
// duplicate of the old answer, arriving while the new request waits, echoes the old request's field 7 and is not the
// new request's answer. It is reported unsolicited (a duplicate), and the new request keeps waiting for its own. Real
// socket, a peer that answers when the test says, answers sent in order on the one connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

/** A purchase of `amount` with field 7 `time` (none when `undefined`), STAN 004711 at TERM0001. */
function purchaseAt(amount: string, time: string | undefined): IsoMessage {
  const message = purchase('004711', 'TERM0001', amount);
  if (time === undefined) delete message['7'];
  else message['7'] = time;
  return message;
}

test('a key reused after an answer: the host\'s duplicate of the old answer (its field 7) is not the new request\'s', async (t) => {
  const held: Received[] = [];
  const { peer, connector } = await peerAndConnector(t, (r) => void held.push(r), { requestTimeout: 20_000, transactionLog: false });
  await connector.connect();
  const unsolicited: IsoMessage[] = [];
  let seen: () => void = () => undefined;
  const duplicateSeen = new Promise<void>((resolve) => (seen = resolve));
  connector.on('unsolicited', (m) => {
    unsolicited.push(m);
    seen();
  });
  const late: IsoMessage[] = [];
  connector.on('late-response', (m) => void late.push(m));

  // A: 11.11 at 1205103000, declined.
  const first = connector.request(purchaseAt('000000001111', '1205103000'));
  await peer.waitFor(1);
  const old = held[0] as Received;
  peer.send(old.socket, answer(old.message, { '39': '05' }));
  assert.equal((await within(first, 10_000, 'A to be answered'))['39'], '05');
  // B: 22.22 at 1205103100, same STAN and terminal, on the same connection.
  const second = connector.request(purchaseAt('000000002222', '1205103100'));
  second.catch(() => undefined);
  await peer.waitFor(2);
  const reused = held[1] as Received;
  assert.equal(old.socket, reused.socket, 'both on the one connection');
  // The host's duplicate of A's answer, an approval this time, then B's own decline.
  peer.send(old.socket, answer(old.message, { '39': '00' }));
  await within(duplicateSeen, 10_000, 'the duplicate to be reported unsolicited');
  peer.send(reused.socket, answer(reused.message, { '39': '05' }));
  const got = await within(second, 10_000, 'B to be answered');
  assert.deepEqual([got['4'], got['7'], got['39']], ['000000002222', '1205103100', '05'], 'B got its own decline, not A\'s duplicate approval');
  assert.deepEqual(unsolicited.map((m) => [m['4'], m['39']]), [['000000001111', '00']], 'A\'s duplicate is the unsolicited one');
  assert.deepEqual(late, [], 'a duplicate is not a late answer');
});

test('a key reused after an answer: an answer without field 7, or with one no request sent, is the waiting request\'s', async (t) => {
  const held: Received[] = [];
  const { peer, connector } = await peerAndConnector(t, (r) => void held.push(r), { requestTimeout: 20_000, transactionLog: false });
  await connector.connect();
  const first = connector.request(purchaseAt('000000001111', '1205103000'));
  await peer.waitFor(1);
  peer.send((held[0] as Received).socket, answer((held[0] as Received).message, { '39': '05' }));
  await within(first, 10_000, 'A to be answered');
  const second = connector.request(purchaseAt('000000002222', '1205103100'));
  await peer.waitFor(2);
  const reused = held[1] as Received;
  // A host that writes its own time in field 7: the answer is B's (nothing tells it apart).
  peer.send(reused.socket, answer(reused.message, { '7': '1205103159' }));
  assert.equal((await within(second, 10_000, 'B to be answered'))['39'], '00');
  const third = connector.request(purchaseAt('000000003333', '1205103200'));
  await peer.waitFor(3);
  const withoutTime = answer((held[2] as Received).message);
  delete withoutTime['7'];
  peer.send(reused.socket, withoutTime);
  assert.equal((await within(third, 10_000, 'C to be answered'))['4'], '000000003333');
});
