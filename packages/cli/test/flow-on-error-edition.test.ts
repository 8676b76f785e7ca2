// A flow judges onError's answer to a sequence that failed by the edition its MTI says (isApprovalClass with the
// message's MTI), as the gateway writes codes (responseCodeFor): under a 1987 dialect whose field 39 has 3 digits
// (SmartVista), onError's stand-in `002` to a 1200 is the 1993 partial approval the terminal was told, so the
// sequence's approval at the bank is kept (it read as the 1987 `02` and the approval was reversed while the terminal
// kept its partial approval); onError's `116` (not sufficient funds) still reverses it. Real sockets: a bank
// endpoint approving with 000 behind a connector, the flow's endpoint with its approval book, a terminal's connector, all in smartvista.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { smartVistaFlow } from './helpers/smartvista-flow.js';
import type { SmartVistaFlow } from './helpers/smartvista-flow.js';

/** The bank, the flow's endpoint whose sequence gets the bank's approval then fails, onError answering `code`; what was reversed. */
function flow(t: TestContext, code: string): Promise<SmartVistaFlow> {
  return smartVistaFlow(
    t,
    () => {
      throw new Error('the sequence failed after the approval');
    },
    (message) => ({ ...message.fields, 0: '1210', 39: code }),
  );
}

/** A purchase of 10.00 on 1993 MTIs with a test card number. */
function purchase(stan: string): IsoMessage {
  return { 0: '1200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: stan, 12: '043000', 13: '1204', 41: '00000001', 49: '840' };
}

test('flow onError – a stand-in 002 answering a 1200 under smartvista is the terminal\'s approval: the bank\'s approval is kept', async (t) => {
  const { terminal, reversed, bankAnswers } = await flow(t, '002');
  const answer = (await within(terminal.request(purchase('000091')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '002', 'the terminal was told a partial approval');
  assert.deepEqual(bankAnswers, ['1210', '000'], 'the bank approved');
  assert.deepEqual(reversed, [], 'nothing reversed: the terminal was told approved');
});

test('flow onError – a stand-in 116 answering a 1200 under smartvista is a decline: the bank\'s approval is reversed', async (t) => {
  const { terminal, reversed } = await flow(t, '116');
  const answer = (await within(terminal.request(purchase('000092')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '116');
  assert.deepEqual(reversed, ['000092/sequence-failed']);
});
