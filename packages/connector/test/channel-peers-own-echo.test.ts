// A pool of two connections, reversal off: two requests under one key (the same STAN and terminal) wait at once, R1 on
// connection A, R2 on B with another field 7. The host answers R2 on A first: the answer echoes R2's field 7, so it is
// R2's, though R1 waits under its key on A (channel-peers.ts `answerTarget`). Before, R1 was given R2's answer (another
// amount, another response code: the wrong outcome), and R2 then took R1's. The same when R1 sent no field 7 at all:
// a waiting request without one took an answer echoing the field 7 a peer request sent (the answers crossed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

for (const r1Echo of [true, false]) {
  const STAN = r1Echo ? '006011' : '006012';
  const title = r1Echo
    ? 'a pool of two connections, one key waiting on each: an answer is the request\'s that sent its field 7, whichever connection it comes on'
    : 'a pool of two connections: an answer echoing the field 7 a peer request sent is that one\'s, though the request on its connection sent none';
  test(title, async (t) => {
    const { peer, connector } = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: 2, max: 2 } });
    await connector.connect();
    await waitUntil(() => (peer.sockets.size === 2 ? true : undefined), { what: 'the pool\'s two connections', timeoutMs: 10_000 });
    const stray: IsoMessage[] = [];
    connector.on('late-response', (m: IsoMessage) => stray.push(m));
    connector.on('unsolicited', (m: IsoMessage) => stray.push(m));
    const first = purchase(STAN);
    if (!r1Echo) delete first['7'];
    const r1 = connector.request(first, { timeout: 10_000 });
    const [sent1] = await peer.waitFor(1);
    if (!r1Echo) assert.equal(sent1!.message['7'], undefined, 'R1 sent no field 7');
    const r2 = connector.request({ ...purchase(STAN, 'TERM0001', '000000002500'), '7': '1121103100' }, { timeout: 10_000 });
    const [, sent2] = await peer.waitFor(2);
    assert.notEqual(sent2!.socket, sent1!.socket, 'R2 took the other connection');
    assert.equal(sent1!.message['11'], sent2!.message['11']);
    // R2's answer (declined, echoing R2's field 7) on R1's connection first, then R1's (approved) on R2's.
    peer.send(sent1!.socket, answer(sent2!.message, { '39': '51' }));
    peer.send(sent2!.socket, answer(sent1!.message));
    const [got1, got2] = await Promise.all([r1, r2]);
    assert.deepEqual([got1['39'], got1['4'], got1['7']], ['00', '000000001000', r1Echo ? '1121103000' : undefined], 'R1 is told its own result');
    assert.deepEqual([got2['39'], got2['4'], got2['7']], ['51', '000000002500', '1121103100'], 'R2 is told its own result');
    assert.deepEqual(stray, []);
    await connector.close();
  });
}
