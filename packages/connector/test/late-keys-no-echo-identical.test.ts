// Two purchases of equal amounts under one STAN and terminal time out, and the bank echoes no field 7 and sends no
// retrieval reference (37) or approval code (38): their two late approvals are the same in every field. With nothing
// to tell them apart, the second is the other purchase's answer (it is still due), not a copy of the first: for money,
// an approval counted and reversed that was a copy costs a reversal the host answers `25`; a real approval taken for a
// copy is a booking missing from the figures and never reversed again. Only an answer that comes when no timed-out
// request under the key could have it is the host's copy. Before: the second was a copy (10.00 secured of 20.00).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

test('two late approvals the same in every field (no field 7, 37, 38) under one key are the two purchases\' answers, a third the copy', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { transactionLog: false, pool: { min: 1, max: 1 } });
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
  await assert.rejects(connector.request({ ...purchase('005965', 'TERM0022'), '7': '1206050000' }, { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await assert.rejects(connector.request({ ...purchase('005965', 'TERM0022'), '7': '1206050100' }, { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const [first] = (await peer.waitFor(2)) as [Received, Received];
  const bare = answer(first.message);
  delete bare['7'];
  peer.send(first.socket, bare);
  peer.send(first.socket, bare); // the other purchase's, the same in every field
  peer.send(first.socket, bare); // the host's copy: no purchase under the key is due any more
  await all;
  assert.equal(late.length, 2, 'each purchase\'s answer late, once');
  assert.equal(unsolicited.length, 1, 'the third is the host\'s copy');
  const { processed, secured } = connector.stats().amounts;
  assert.deepEqual({ processed, secured }, { processed: 2000, secured: 2000 });
});
