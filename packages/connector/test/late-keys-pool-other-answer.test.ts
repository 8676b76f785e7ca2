// A request's answer may come on another connection of the pool than the one its request waits on, while an older
// request under the same key (STAN and terminal) timed out: the answer is matched against the requests waiting on
// every connection of the connector first. Before: it matched nothing on its own connection and was taken for the
// older request's late answer (its field 7 not that one's: "the one with the same amount, else the last"), counted as
// that one's approval; the waiting request timed out and was reversed, and the older one's own late answer came as
// unsolicited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

const STAN = '005971';

test('a pool of two connections: an answer on the other connection is the waiting request\'s, not an older timed-out one\'s late answer', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: 2, max: 2 } });
  await connector.connect();
  await waitUntil(() => (peer.sockets.size === 2 ? true : undefined), { what: 'the pool\'s two connections', timeoutMs: 10_000 });
  const lates: IsoMessage[] = [];
  connector.on('late-response', (m: IsoMessage) => lates.push(m));
  // R1 (field 7 X) times out, unanswered.
  await assert.rejects(connector.request(purchase(STAN), { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  // R2 reuses the key with another field 7 (Y) and waits; the host answers it on the connection it did not take.
  const r2 = connector.request({ ...purchase(STAN), '7': '1121103100' }, { timeout: 5_000 });
  const [, sent2] = await peer.waitFor(2);
  assert.equal(sent2!.message['7'], '1121103100');
  const other = [...peer.sockets].find((s) => s !== sent2!.socket);
  assert.ok(other !== undefined, 'the connection R2 did not take');
  peer.send(other, answer(sent2!.message));
  const got = await r2;
  assert.equal(got['39'], '00');
  assert.equal(got['7'], '1121103100');
  assert.deepEqual(lates, [], 'R2\'s answer is no late answer of R1');
  await connector.close();
});
