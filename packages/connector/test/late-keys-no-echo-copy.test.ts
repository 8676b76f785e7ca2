// Two purchases under one STAN and terminal time out (25.00, then 10.00 at another transmission time) and the bank
// echoes no field 7: its answer to the newest comes, then the host's copy of that answer, then the first purchase's
// answer. The copy is the host's duplicate (unsolicited, counted nowhere), and the first purchase's answer is its late
// answer. Before: the copy was taken for the first purchase's late answer (counted for its transmission) and the key
// forgotten, so the first purchase's own approval came as unsolicited: 25.00 missing from the figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

test('a copy of a late answer without field 7 is not taken for another timed-out request under its key', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 300, transactionLog: false, pool: { min: 1, max: 1 } });
  await connector.connect();
  const late: IsoMessage[] = [];
  const unsolicited: IsoMessage[] = [];
  const all = eventWithin(10_000, 'three answers from the bank to be taken', (resolve) => {
    const seen = (): void => {
      if (late.length + unsolicited.length === 3) resolve(undefined);
    };
    connector.on('late-response', (m) => (late.push(m), seen()));
    connector.on('unsolicited', (m) => (unsolicited.push(m), seen()));
  });
  await assert.rejects(connector.request({ ...purchase('005905', 'TERM0021', '000000002500'), '7': '1206040000' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await assert.rejects(connector.request({ ...purchase('005905', 'TERM0021', '000000001000'), '7': '1206040100' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [first, newest] = (await peer.waitFor(2)) as [Received, Received];
  const bare = (r: Received): IsoMessage => {
    const reply = answer(r.message, { '37': r === first ? '000000000001' : '000000000002' });
    delete reply['7'];
    return reply;
  };
  peer.send(newest.socket, bare(newest));
  peer.send(newest.socket, bare(newest)); // the host's copy
  peer.send(first.socket, bare(first));
  await all;
  assert.deepEqual(late.map((m) => m['4']), ['000000001000', '000000002500'], 'each purchase\'s answer late, once');
  assert.deepEqual(unsolicited.map((m) => m['4']), ['000000001000'], 'the copy is the host\'s duplicate');
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 3500, secured: 3500, refund: 0, reversal: 0 });
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.processedAmount], [35, 35]);
});
