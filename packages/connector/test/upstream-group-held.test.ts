// What an upstream group keeps on one upstream, with the connector's defaults (reversal off): a repeat of a transaction
// in flight there goes there (never to a second bank); an original whose STAN the connector filled in is remembered
// whatever the call (text, object, relay), so its reversal goes where it was approved; and a graceful close is not
// reported as upstreams going down. Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, purchase } from './peer.js';
import type { Peer } from './peer.js';
import { peerFor, startGroup, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

const at = (peer: Peer, mti: string): string[] => peer.received.filter((r) => r.message['0'] === mti).map((r) => String(r.message['11']));

test('upstream group held – round robin, reversal off: a repeat (0201) of a purchase in flight at A goes to A, never to B', async (t) => {
  // A holds its purchases (in flight until the test ends); B answers everything.
  const a = await peerFor(t, (r, p) => {
    if (r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
  });
  const b = await peerFor(t);
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [{ ...upstream('A', a), requestTimeout: 60_000 }, upstream('B', b)] }, () => []);
  const first = failure(group.request(purchase('052001', 'TERMDUP1')));
  await a.waitFor(a.received.length + 1);
  const repeat = await failure(group.request({ ...purchase('052001', 'TERMDUP1'), '0': '0201' }));
  assert.deepEqual([repeat.code, repeat.sent], ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'no'], 'refused at A, where its transaction is in flight');
  assert.deepEqual([at(a, '0200'), at(b, '0200'), at(b, '0201')], [['052001'], [], []], 'B never got the transaction');
  // Settled (lost with its connector), the transaction is no longer held: the next request goes by the strategy.
  await group.connectors.get('A')?.destroy();
  await first;
  assert.equal(group.connectors.get('A')?.holdsTransaction(purchase('052001', 'TERMDUP1')), false);
});
