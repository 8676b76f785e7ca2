// A partial approval whose `done` record cannot be written: the request fails (ISO8583_ERR_CONNECTOR_JOURNAL) and is
// reversed, and the reversal undoes what the answer approved (field 4 of the answer: 6.00 of the 10.00 asked), not
// the amount requested. Real files (the `done` write fails: helpers/write-faults.ts), a real peer on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { writeFaults } from './helpers/write-faults.js';
import { answer, purchase } from './peer.js';

test('answered journal fault – a partial approval (10) whose done record cannot be written is reversed for the amount approved', async (t) => {
  const dir = tempDir(t, 'answered-journal-fault-partial');
  const faults = await writeFaults(t, dir);
  let reversal: (m: IsoMessage) => void = () => undefined;
  const reversed = new Promise<IsoMessage>((resolve) => (reversal = resolve));
  const peer = await peerFor(t, (r, p) => {
    if (r.message['0'] === '0400') reversal(r.message);
    p.send(r.socket, r.message['0'] === '0200' ? answer(r.message, { '39': '10', '4': '000000000600' }) : answer(r.message));
  });
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir, retryInterval: 100 } });
  await connector.connect();
  faults.rules.push({ marker: '"op":"done"', fail: true });
  await assert.rejects(connector.request(purchase('008501')), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  const sent = await within(reversed, 10_000, 'the reversal to reach the host');
  assert.equal(sent['11'], '008501');
  assert.equal(sent['4'], '000000000600', 'the amount approved, not the 10.00 asked');
});
