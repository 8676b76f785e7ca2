// The connector's own reversal of a timed-out purchase, answered in time (25: it overtook its original), is the same
// transaction as the purchase: it carries fields 11 and 41 padded as the wire has them (buildReversal) where the caller
// wrote STAN 74003 (a number) and terminal 'T1'. Its answer must not make the late keys take the purchase's key for
// "mixed" (two transactions): the purchase's late approval, with a match key of field 11 only and a host that echoes
// neither field 7 nor field 41, is then still tied to the purchase and reversed again (0401). Before (late-keys.ts
// comparing the caller's raw text): no 0401, the approval stood. Real sockets, files and server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin, within } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { answeredLines, watchReversals } from './helpers/reversals.js';

test('matchKey ["11"]: a late approval without fields 7 and 41 after its own reversal was answered 25 is reversed again', async (t) => {
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held = r; // approved only after its reversal overtook it
      else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
      else if (mti === '0401') p.send(r.socket, answer(r.message));
    },
    {
      matchKey: ['11'],
      requestTimeout: 500,
      pool: { min: 1, max: 1 },
      transactionLog: false,
      reversal: { enabled: true, retryInterval: 60_000, journalDir: tempDir(t, 'overtaken-own-reversal') },
    },
  );
  await connector.connect();
  const reversals = watchReversals(connector);
  const firstAnswered = within(reversals.reached, 15_000, 'the reversal was not answered within 15 s');
  // STAN as a number and a terminal id shorter than field 41 (ans 8): the reversal carries both padded.
  const err = await failure(connector.request({ ...purchase('074003', 'T1'), '11': 74003 }));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await firstAnswered;
  const again = eventWithin(15_000, 'the late approval was not reversed again within 15 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(undefined);
    }),
  );
  const original = held as Received;
  const late = answer(original.message, { '39': '00' });
  delete late['7'];
  delete late['41'];
  peer.send(original.socket, late);
  await again;
  assert.deepEqual(answeredLines(reversals), ['0400 25', '0401 00']);
  const repeats = peer.received.filter((r) => r.message['0'] === '0401').map((r) => [r.message['11'], r.message['41']]);
  assert.deepEqual(repeats, [['074003', 'T1      ']]);
  assert.equal(connector.stats().reversalsPending, 0);
});
