// The host's plain duplicate of an answer that came in time (the same field 7 its request sent, under a key this
// connection answered) is reported `unsolicited`, and nothing more: it is not offered to the reversals as a late
// approval. Offered, it was noted 10 minutes by STAN and terminal, and a later reversal of a transaction reusing the STAN
// answered `25` stored a repeat (0401) the host had nothing to undo with (with PostgreSQL, a look-up each). An
// unsolicited approval under that key with another field 7 (a late one whose key the late keys forgot) still is, and
// its booking's reversal answered 25 stores the repeat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { Connector, ReversalEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';
import { journalLines, receivedLines, watchReversals } from './helpers/reversals.js';

const STAN = '009301';

/** Resolves with the next `unsolicited` message of `connector`. */
function unsolicited(connector: Connector): Promise<IsoMessage> {
  return eventWithin(10_000, 'no unsolicited message within 10 s', (resolve) => connector.once('unsolicited', (m: IsoMessage) => resolve(m)));
}

/**
 * A host that answers the first purchase in time, then sends `copy` of that answer; times out every later purchase and
 * answers its reversal `25` (the original not found), a repeat (0401) `00`. The connector has a file journal.
 */
async function setUp(t: AfterHook, copy: (answered: IsoMessage) => IsoMessage) {
  const dir = tempDir(t, 'duplicate');
  let purchases = 0;
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    const mti = String(r.message['0']);
    if (mti === '0200' && ++purchases === 1) {
      const answered = answer(r.message);
      p.send(r.socket, answered);
      p.send(r.socket, copy(answered));
    } else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
    else if (mti === '0401') p.send(r.socket, answer(r.message));
  }, {
    requestTimeout: 100,
    // compactInterval 0: the close does not compact the lines read below away
    reversal: { enabled: true, journalDir: dir, journal: new FileJournal(dir, { compactInterval: 0 }), retryInterval: 50 },
  });
  return { peer, connector, dir };
}

test('the host\'s duplicate of an answer that came in time is not taken for a late approval: no repeat when a later reversal under its STAN undoes nothing', async (t) => {
  const { peer, connector, dir } = await setUp(t, (answered) => answered);
  const copied = unsolicited(connector);
  assert.equal((await connector.request(purchase(STAN)))['39'], '00');
  assert.equal((await copied)['11'], STAN);
  // A new transaction reusing the STAN (another amount) times out; its reversal is answered 25.
  const watch = watchReversals(connector);
  await assert.rejects(connector.request(purchase(STAN, 'TERM0001', '000000002000')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const answered = await watch.reached;
  assert.equal(answered.responseCode, '25');
  await connector.close();
  assert.deepEqual(receivedLines(peer.received), [`0200 ${STAN}`, `0200 ${STAN}`, `0400 ${STAN}`], 'no 0401: nothing to undo');
  assert.deepEqual(watch.events.map((e) => `${e.stage}:${e.mti}`), ['queued:0400', 'sent:0400', 'answered:0400']);
  assert.equal(journalLines(dir).filter((l) => l.op === 'add').length, 2, 'the two purchases journaled, no repeat');
});

test('an unsolicited approval under a key answered in time with another field 7 (a late one the late keys forgot) is still taken for a late approval', async (t) => {
  const { peer, connector } = await setUp(t, (answered) => ({ ...answered, '7': '1121102900' }));
  const copied = unsolicited(connector);
  assert.equal((await connector.request(purchase(STAN)))['39'], '00');
  assert.equal((await copied)['7'], '1121102900');
  const watch = watchReversals(connector, 'queued');
  const repeat = eventWithin<ReversalEvent>(10_000, 'no 0401 answered within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(e);
    }),
  );
  // The transaction that approval is of (its field 7 and amount: a noted approval is taken only by its own booking's
  // reversal, transactions-in-flight.ts `approvesBooking`) times out; its reversal is answered 25.
  await assert.rejects(connector.request({ ...purchase(STAN), '7': '1121102900' }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  assert.equal((await repeat).responseCode, '00');
  assert.deepEqual(receivedLines(peer.received), [`0200 ${STAN}`, `0200 ${STAN}`, `0400 ${STAN}`, `0401 ${STAN}`]);
  assert.ok(watch.events.some((e) => e.stage === 'queued' && e.mti === '0400'));
});
