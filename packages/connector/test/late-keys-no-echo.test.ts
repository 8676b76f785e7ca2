// Two purchases under one STAN and terminal (the STAN used again at another transmission time) both time out, and the
// bank echoes no field 7: each late answer is a timed-out request's, counted. Before: the first late answer forgot the
// key for the other, whose late approval then came as unsolicited (counted nowhere, no reversal asked: 10.00 missing
// from the figures). Real socket, a peer that answers when the test says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

test('two timed-out purchases under one key, late answers without field 7: both late, both counted', async (t) => {
  const held: Received[] = [];
  const { peer, connector } = await peerAndConnector(t, (r) => void held.push(r), { requestTimeout: 200, transactionLog: false, pool: { min: 1, max: 1 } });
  await connector.connect();
  const late: IsoMessage[] = [];
  const unsolicited: IsoMessage[] = [];
  const both = eventWithin(10_000, 'two answers from the bank to be taken', (resolve) => {
    const seen = (): void => {
      if (late.length + unsolicited.length === 2) resolve(undefined);
    };
    connector.on('late-response', (m) => (late.push(m), seen()));
    connector.on('unsolicited', (m) => (unsolicited.push(m), seen()));
  });
  await assert.rejects(connector.request({ ...purchase('004721', 'TERM0019', '000000001000'), '7': '1206039000' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await assert.rejects(connector.request({ ...purchase('004721', 'TERM0019', '000000002500'), '7': '1206039100' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await peer.waitFor(2);
  for (const r of held) {
    const reply = answer(r.message);
    delete reply['7'];
    peer.send(r.socket, reply);
  }
  await both;
  assert.deepEqual(unsolicited, [], 'no late answer taken for unsolicited');
  assert.deepEqual(late.map((m) => m['4']).sort(), ['000000001000', '000000002500']);
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 3500, secured: 3500, refund: 0, reversal: 0 });
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.processedAmount], [35, 35]);
});
