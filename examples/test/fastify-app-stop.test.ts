/**
 * examples/fastify-app's stop: an approval whose client goes while the app closes (a POS terminal that resets its
 * socket, an HTTP request aborted) is reversed exactly once, sent to the bank or owed by the journal the next start
 * reads: the stop ends the traffic first, then stores what is owed, then closes the connector.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { owedInJournalSync } from '@iso8583/connector';
import { within } from '@iso8583/test-support';
import { httpPurchaseAtBank, lateBankApp, posPurchaseAtBank } from './late-bank.js';
import type { LateBankApp } from './late-bank.js';

/** The purchase's reversal, once the app has closed: at the bank once, or owed by the journal; never twice. */
function assertReversedOnce(late: LateBankApp, stan: string): void {
  const sent = late.reversals();
  const owed = owedInJournalSync(late.journalDir).reversals;
  assert.ok(sent <= 1 && owed <= 1, `one reversal of STAN ${stan}, not more: ${sent} at the bank, ${owed} owed`);
  assert.ok(sent === 1 || owed === 1, `the approval of STAN ${stan} its client never got is neither reversed at the bank nor owed in the journal`);
}

test('the Fastify app reverses an approval whose POS terminal goes during the stop (sent or owed, once)', async (t) => {
  // The bank answers within the connector's requestTimeout (no timeout reversal): only the client is gone.
  const late = await lateBankApp(t, '000031', 10_000);
  await late.app.ready();
  // The bank approves once the endpoint has seen the terminal's socket close, the stop under way.
  const terminal = await posPurchaseAtBank(t, late, 31, 'APPTERM9');
  const closed = late.app.close();
  // A reset (RST): the endpoint's side closes at once (a FIN alone would leave it half open, waiting to write).
  terminal.resetAndDestroy();
  await within(closed, 30_000, 'the app did not close');
  assertReversedOnce(late, '000031');
});

test('the Fastify app reverses an approval whose POST /bank/ is aborted during the stop (sent or owed, once)', async (t) => {
  const late = await lateBankApp(t, '000032', 10_000);
  // The bank approves once the server has seen the client's connection close, the stop under way.
  const { res, abort } = await httpPurchaseAtBank(late, '32', 'APPTERM9');
  const closed = late.app.close();
  abort();
  await assert.rejects(res, { name: 'AbortError' });
  await within(closed, 30_000, 'the app did not close');
  assertReversedOnce(late, '000032');
});
