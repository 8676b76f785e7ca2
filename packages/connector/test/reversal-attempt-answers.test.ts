// The attempts of one reversal are of one transaction under one match key: an answer under that key while an attempt
// waits is that attempt's, whatever field 7 it carries. Neither a host slower than the attempt timeout (SmartVista:
// each attempt has a fresh field 7, and the answer to attempt 1 arrives while attempt 2 waits) nor a host that puts
// its own transmission time in its answers, after an attempt timed out, makes the reversal repeat for ever. Real
// socket; the peer answers when the next attempt reaches it (no sleeps); the attempt timeout is the thing under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { watchReversals } from './helpers/reversals.js';

/** The reversal attempts a peer received, and a promise that rejects (with a message) once a third one arrives. */
function attempts(): { seen: Received[]; add(r: Received): number; third: Promise<never> } {
  const seen: Received[] = [];
  let fail: (err: Error) => void = () => undefined;
  const third = new Promise<never>((_, reject) => (fail = reject));
  third.catch(() => undefined);
  return {
    seen,
    add(r) {
      seen.push(r);
      if (seen.length === 3) fail(new Error('the reversal was sent a third time: the answer under its key was discarded as late'));
      return seen.length;
    },
    third,
  };
}

/** A SmartVista purchase (field 7 long past), test card number. */
function svPurchase(stan: string): IsoMessage {
  return {
    '0': '0200', '3': '000000', '4': '000000001000', '7': '0818160933', '11': stan, '12': '150820130600', '22': '056',
    '24': '200', '25': '00', '35': '4111111111111111=29122010000000000000', '41': '00992468', '42': '000124642124643', '49': '810',
  };
}

test('smartvista: a host slower than the attempt timeout answers attempt 1 while attempt 2 (another field 7) waits: the reversal ends', async (t) => {
  const reversal = attempts();
  const { connector } = await peerAndConnector(t, (r, p) => {
    if (!String(r.message['0']).startsWith('04')) return; // the original is never answered: it times out, is reversed
    // Attempt 1 unanswered until attempt 2 reaches the host: then its answer, echoing attempt 1's field 7.
    if (reversal.add(r) === 2) p.send(r.socket, answer((reversal.seen[0] as Received).message, { '39': '000' }));
  }, {
    dialect: 'smartvista',
    frame: 'ascii4',
    // At least a second per attempt: field 7 (MMDDhhmmss) of attempt 2 is then another second than attempt 1's.
    requestTimeout: 1000,
    reversal: { enabled: true, journalDir: tempDir(t, 'journal'), retryInterval: 1000 },
    transactionLog: false,
  }, { dialect: 'smartvista', framing: { lengthHeader: 'ascii4' } });
  const { reached } = watchReversals(connector);
  let late = 0;
  connector.on('late-response', () => void late++);
  await connector.connect();
  await assert.rejects(connector.request(svPurchase('618161'), { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const ended = await within(Promise.race([reached, reversal.third]), 20_000, 'the reversal to be answered');
  assert.equal(ended.stage, 'answered');
  const [first, second] = reversal.seen.map((r) => r.message) as [IsoMessage, IsoMessage];
  assert.deepEqual([first['0'], second['0']], ['0400', '0401']);
  assert.notEqual(first['7'], second['7'], 'each attempt had its own field 7');
  assert.equal(reversal.seen.length, 2, 'sent twice, no more');
  assert.equal(late, 0, 'the answer was not reported late');
});

test('a host writing its own field 7: an attempt timed out, the next one\'s answer (another field 7) ends the reversal', async (t) => {
  const reversal = attempts();
  const { connector } = await peerAndConnector(t, (r, p) => {
    if (!String(r.message['0']).startsWith('04')) return;
    // The first attempt is lost; every later one answered at once, field 7 the host's own time.
    if (reversal.add(r) > 1) p.send(r.socket, answer(r.message, { '7': '1204235959' }));
  }, {
    requestTimeout: 300,
    reversal: { enabled: true, journalDir: tempDir(t, 'journal'), retryInterval: 300 },
    transactionLog: false,
  });
  const { reached } = watchReversals(connector);
  await connector.connect();
  await assert.rejects(connector.request(purchase('000777')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const ended = await within(Promise.race([reached, reversal.third]), 20_000, 'the reversal to be answered');
  assert.equal(ended.stage, 'answered');
  assert.deepEqual(reversal.seen.map((r) => r.message['0']), ['0400', '0401'], 'sent twice, no more');
});
