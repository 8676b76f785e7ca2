// An inquiry (processing code 3x: a balance inquiry) moves no money: through a connector with a reversal journal, one
// that times out is neither journaled nor reversed (the one inquiry rule, reversal-message.ts `isInquiry`, the same
// `movedMoney` follows for an undelivered approval). A purchase timing out after it is, as ever: the journal and the
// host then show what the inquiries would have left, had they been journaled (their `add` precedes the purchase's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import { FileJournal, isInquiry, movedMoney } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { journalLines, receivedLines, watchReversals } from './helpers/reversals.js';

/** The originals' timeout: the host never answers them. */
const SHORT = { timeout: 100 };

test('an inquiry 0100 / 0200 (processing code 31xxxx) that times out through a reversing connector is not journaled nor reversed', async (t) => {
  const dir = tempDir(t, 'inquiry');
  // The host answers reversals only: every original times out.
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (String(r.message['0']).startsWith('04')) p.send(r.socket, answer(r.message));
  }, {
    // The reversal's answer comes at once but gets 10 s (a busy machine must not make it time out and go twice); the
    // originals, never answered, are given 100 ms each.
    requestTimeout: 10_000,
    // compactInterval 0: the close does not compact the lines read below away
    reversal: { enabled: true, journalDir: dir, journal: new FileJournal(dir, { compactInterval: 0 }), retryInterval: 50 },
  });
  const watch = watchReversals(connector);
  const inquiry = (mti: string, stan: string) => ({ ...purchase(stan), '0': mti, '3': '310000', '4': '000000000000' });
  await assert.rejects(connector.request(inquiry('0100', '009101'), SHORT), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await assert.rejects(connector.request(inquiry('0200', '009102'), SHORT), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  // A short '31' written for the n 6 field goes as '000031': a purchase's code on the wire, reversed as one.
  await assert.rejects(connector.request(purchase('009103'), SHORT), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const reversed = await watch.reached;
  assert.equal(reversed.stan, '009103');
  await connector.close();
  const added = journalLines(dir).filter((l) => l.op === 'add');
  assert.equal(added.length, 1, `one entry journaled (the purchase's), not ${added.length}`);
  assert.deepEqual(receivedLines(peer.received), ['0100 009101', '0200 009102', '0200 009103', '0400 009103']);
  assert.deepEqual(watch.events.map((e) => `${e.stage}:${e.stan}`), ['queued:009103', 'sent:009103', 'answered:009103']);
});

test('isInquiry: field 3 as the wire has it starts with 3; movedMoney follows it', () => {
  const dialect = getDialect('iso87ascii');
  assert.equal(isInquiry(dialect, { '0': '0200', '3': '310000' }), true);
  assert.equal(isInquiry(dialect, { '0': '0100', '3': 300000 }), true);
  assert.equal(isInquiry(dialect, { '0': '0200', '3': '3000' }), false, 'a short 3000 goes as 003000: a purchase');
  assert.equal(isInquiry(dialect, { '0': '0200' }), false, 'no field 3');
  const approved = { '0': '0210', '39': '00' };
  assert.equal(movedMoney(dialect, { '0': '0200', '3': '310000' }, approved), false);
  assert.equal(movedMoney(dialect, { '0': '0200', '3': '000000' }, approved), true);
  assert.equal(movedMoney(dialect, { '0': '0200' }, { ...approved, '3': '310000' }), false, 'the answer\'s field 3 when the request has none');
});
