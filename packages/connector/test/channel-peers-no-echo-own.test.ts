// A pool of two connections, reversal off: two requests under one key (the same STAN and terminal) wait at once, R1 on
// connection A sent without field 7, R2 on B with one. The host answers R2 on A first: the answer echoes exactly the
// field 7 R2 sent, so it is R2's, though R1 (which sent none) waits under its key on A (channel-peers.ts
// `answerTarget`). Before, a waiting request without field 7 took it (the answers crossed: R1 told R2's decline, R2
// then R1's approval).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

const STAN = '006012';

test('a pool of two connections: an answer echoing the field 7 a peer request sent is that one\'s, though the request on its connection sent none', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: 2, max: 2 } });
  await connector.connect();
  await waitUntil(() => (peer.sockets.size === 2 ? true : undefined), { what: 'the pool\'s two connections', timeoutMs: 10_000 });
  const stray: IsoMessage[] = [];
  connector.on('late-response', (m: IsoMessage) => stray.push(m));
  connector.on('unsolicited', (m: IsoMessage) => stray.push(m));
  const noEcho = purchase(STAN);
  delete noEcho['7'];
  const r1 = connector.request(noEcho, { timeout: 10_000 });
  const [sent1] = await peer.waitFor(1);
  assert.equal(sent1!.message['7'], undefined, 'R1 sent no field 7');
  const r2 = connector.request({ ...purchase(STAN, 'TERM0001', '000000002500'), '7': '1121103100' }, { timeout: 10_000 });
  const [, sent2] = await peer.waitFor(2);
  assert.notEqual(sent2!.socket, sent1!.socket, 'R2 took the other connection');
  // R2's answer (declined, echoing R2's field 7) on R1's connection first, then R1's (approved, no field 7) on R2's.
  peer.send(sent1!.socket, answer(sent2!.message, { '39': '51' }));
  peer.send(sent2!.socket, answer(sent1!.message));
  const [got1, got2] = await Promise.all([r1, r2]);
  assert.deepEqual([got1['39'], got1['4'], got1['7']], ['00', '000000001000', undefined], 'R1 is told its own result');
  assert.deepEqual([got2['39'], got2['4'], got2['7']], ['51', '000000002500', '1121103100'], 'R2 is told its own result');
  assert.deepEqual(stray, []);
  await connector.close();
});
