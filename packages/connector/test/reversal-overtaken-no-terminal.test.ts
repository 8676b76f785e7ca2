// A bank that echoes no field 41 (SocketQueue users run such banks with queueMessageKeyFields ["11"]: matchKey
// ["0", "11"]) and approves a purchase after its reversal overtook it (answered 25): the late approval, tied to its
// timed-out request by the late keys, carries that request's STAN and terminal to the reversals (match-key.ts
// `withRequestTransaction`), so the reversal is repeated (0401), with the file journal (this node's memory) and with a
// shared PostgreSQL journal (the look-up by fields 11 and 41 of its rows). One terminal, the connector's own matchKey
// (the gateway refuses --match-key without 41 while reversals are on). Real sockets, files and server.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin, sharedPostgres, within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import type { ReversalOptions } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { answeredLines, watchReversals } from './helpers/reversals.js';

/** The purchase held past its timeout, answered 00 without field 41 once its reversal was answered 25; the repeat sent. */
async function repeatedWithoutTerminal(t: TestContext, stan: string, reversal: ReversalOptions, last?: () => unknown): Promise<IsoMessage[]> {
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held = r; // approved only after its reversal overtook it
      else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
      else if (mti === '0401') p.send(r.socket, answer(r.message));
    },
    { matchKey: ['0', '11'], requestTimeout: 500, pool: { min: 1, max: 1 }, transactionLog: false, reversal: { retryInterval: 60_000, ...reversal } },
  );
  if (last !== undefined) t.after(last); // after the connector's destroy (hooks run in the order added)
  await connector.connect();
  const reversals = watchReversals(connector);
  const firstAnswered = within(reversals.reached, 15_000, 'the reversal was not answered within 15 s');
  // A terminal id shorter than field 41 (ans 8): the reversal carries it padded, as the bank's late approval would.
  const err = await failure(connector.request(purchase(stan, 'T1')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await firstAnswered;
  const again = eventWithin(15_000, 'the late approval without field 41 was not reversed again within 15 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(undefined);
    }),
  );
  const original = held as Received;
  const late = answer(original.message, { '39': '00' });
  delete late['41'];
  peer.send(original.socket, late);
  await again;
  assert.deepEqual(answeredLines(reversals), ['0400 25', '0401 00']);
  assert.equal(connector.stats().reversalsPending, 0);
  return peer.received.filter((r) => r.message['0'] === '0401').map((r) => r.message);
}

test('matchKey ["0", "11"]: a late approval without field 41 after its reversal was answered 25 is reversed again (file journal)', async (t) => {
  const repeats = await repeatedWithoutTerminal(t, '074001', { enabled: true, journalDir: tempDir(t, 'overtaken-no-41') });
  assert.deepEqual(repeats.map((m) => [m['11'], m['41']]), [['074001', 'T1      ']]);
});

test('matchKey ["0", "11"]: a late approval without field 41 after its reversal was answered 25 is reversed again (pg journal)', async (t) => {
  const cluster = await sharedPostgres();
  const url = cluster.createDatabase('overtaken_no_41');
  const journal = new PgJournal({ url, lease: 30_000, owner: 'node-a' });
  const repeats = await repeatedWithoutTerminal(t, '074002', { enabled: true, journal }, () => cluster.destroy());
  assert.deepEqual(repeats.map((m) => [m['11'], m['41']]), [['074002', 'T1      ']]);
});
