/**
 * examples/fastify-app's stop: an approval whose client goes while the app closes (a POS terminal that resets its
 * socket, an HTTP request aborted) is reversed exactly once, sent to the bank or owed by the journal the next start
 * reads: the stop ends the traffic first, then stores what is owed, then closes the connector.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { createCodec, encodeFrame } from '@iso8583/codec';
import { owedInJournalSync } from '@iso8583/connector';
import { within } from '@iso8583/test-support';
import { LATE_PAN, lateBankApp } from './late-bank.js';
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
  const pos = late.app.inbound.pos;
  const posPort = pos?.address()?.port;
  assert.ok(pos !== undefined && posPort !== undefined && posPort > 0);
  // The bank approves once the endpoint has seen the terminal's socket close, the stop under way.
  pos.once('disconnect', () => late.clientAnswered());
  const terminal = connect({ host: '127.0.0.1', port: posPort });
  t.after(() => terminal.destroy());
  await once(terminal, 'connect');
  const purchase = { '0': '0200', '2': LATE_PAN, '3': '000000', '4': 2500, '11': 31, '14': '3012', '41': 'APPTERM9', '49': '840' };
  terminal.write(encodeFrame(createCodec('iso87ascii').pack(purchase), { lengthHeader: 'binary2' }));
  await within(late.purchaseReceived, 10_000, 'the bank never got the purchase');
  const closed = late.app.close();
  // A reset (RST): the endpoint's side closes at once (a FIN alone would leave it half open, waiting to write).
  terminal.resetAndDestroy();
  await within(closed, 30_000, 'the app did not close');
  assertReversedOnce(late, '000031');
});

test('the Fastify app reverses an approval whose POST /bank/ is aborted during the stop (sent or owed, once)', async (t) => {
  const late = await lateBankApp(t, '000032', 10_000);
  await late.app.listen({ host: '127.0.0.1', port: 0 });
  const address = late.app.server.address() as { port: number };
  // The bank approves once the server has seen the client's connection close, the stop under way.
  late.app.server.once('connection', (socket: Socket) => socket.once('close', () => late.clientAnswered()));
  const aborted = new AbortController();
  const res = fetch(`http://127.0.0.1:${address.port}/bank/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ '0': '0200', '2': LATE_PAN, '3': '000000', '4': '2500', '11': '32', '14': '3012', '41': 'APPTERM9', '49': '840' }),
    signal: aborted.signal,
  });
  await within(late.purchaseReceived, 10_000, 'the bank never got the purchase');
  const closed = late.app.close();
  aborted.abort();
  await assert.rejects(res, { name: 'AbortError' });
  await within(closed, 30_000, 'the app did not close');
  assertReversedOnce(late, '000032');
});
