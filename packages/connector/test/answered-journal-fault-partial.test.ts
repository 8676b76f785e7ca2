// A partial approval whose `done` record cannot be written: the request fails (ISO8583_ERR_CONNECTOR_JOURNAL) and is
// reversed. The journal cannot take a new amount (it just failed a write): the entry's `add` line, written at arm with
// the request's field 4, is what a restart or a PostgreSQL takeover resends, so the reversal sent carries that same
// amount on every attempt; a host must never see a repeat whose field 4 differs from the first attempt's. Real files
// (the `done` write fails: helpers/write-faults.ts), a real peer on 127.0.0.1, a second connector on the same folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { writeFaults } from './helpers/write-faults.js';
import { answer, purchase } from './peer.js';

test('answered journal fault – a partial approval whose done record cannot be written is reversed with the amount journaled, the same after a restart', async (t) => {
  const dir = tempDir(t, 'answered-journal-fault-partial');
  const faults = await writeFaults(t, dir);
  const reversals: IsoMessage[] = [];
  const waiting: ((m: IsoMessage) => void)[] = [];
  const next = (): Promise<IsoMessage> => new Promise((resolve) => waiting.push(resolve));
  let answerReversals = false;
  const first = next();
  const peer = await peerFor(t, (r, p) => {
    if (r.message['0'] === '0200') return p.send(r.socket, answer(r.message, { '39': '10', '4': '000000000600' }));
    reversals.push(r.message);
    waiting.shift()?.(r.message);
    // The first connector's reversals are never answered: its entry stays unfinished in the journal.
    if (answerReversals) p.send(r.socket, answer(r.message));
  });
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } });
  await connector.connect();
  faults.rules.push({ marker: '"op":"done"', fail: true });
  await assert.rejects(connector.request(purchase('008501')), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  const sent = await within(first, 10_000, 'the first reversal to reach the host');
  assert.equal(sent['11'], '008501');
  await connector.destroy();
  faults.rules.length = 0;

  // A restart on the same folder resends the journaled entry: the same field 4 as the first attempt.
  answerReversals = true;
  const resent = next();
  const again = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir, retryInterval: 100 } });
  await again.connect();
  const repeat = await within(resent, 10_000, 'the journaled reversal to be resent after the restart');
  assert.equal(repeat['11'], '008501');
  assert.equal(repeat['4'], sent['4'], 'a repeat carries the field 4 of the first attempt');
  assert.equal(sent['4'], '000000001000', 'the amount journaled at arm (the request\'s), sent and stored alike');
});
