// A flow's reversal names the request its sequence sent, as it was sent: a sequence that reuses its message object for
// the next request (a new amount, STAN and card), or changes the bank's answer to build its reply, after the bank
// approved, changes neither the request the reversal names nor the answer that says it was approved. Real sockets: the
// host simulator behind a connector, the flow's inbound endpoint and its approval book, a terminal's connector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { approvalsBank, gate, posTerminal, purchase } from './flow-approvals-bank.js';

/** What the test reads of a reversal handed over: the request's amount, STAN and card number, the answer's field 39. */
function named(handed: { original: IsoMessage; answer: IsoMessage }[]): unknown[] {
  return handed.map(({ original, answer }) => ({ amount: original['4'], stan: original['11'], pan: original['2'], approved: answer['39'] }));
}

test('flow approvals – a sequence that reuses its message for a second request, then fails: each reversal names the request as it was sent', async (t) => {
  const sequenceTimeout = 10_000;
  const { bank, approvals, handed, reversed } = await approvalsBank(t, sequenceTimeout);
  const terminal = await posTerminal(t, {
    sequenceTimeout,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      const link = context.connectors.bank as typeof bank;
      const m: IsoMessage = { ...message.fields };
      const first = await link.request(m);
      // The bank's answer reused for the reply it builds: field 39 mapped.
      first['39'] = '05';
      // The same object, the next request: another amount, STAN and card.
      Object.assign(m, { 2: '5500000000000004', 4: '000000002500', 11: '000082' });
      await link.request(m);
      Object.assign(m, { 2: '4000000000000002', 4: '000000009900', 11: '000083' });
      throw new Error('the sequence failed after both approvals');
    }),
    onLateResult: approvals.onLateResult,
  });
  const answer = await within(terminal.request(purchase('000081')), 10_000, 'the terminal answered');
  assert.equal(answer['39'], '96', 'no onError: the terminal got a 96');
  assert.deepEqual(reversed.map((r) => r.reason), ['sequence-failed', 'sequence-failed']);
  assert.deepEqual(named(handed), [
    { amount: '000000001000', stan: '000081', pan: '4111111111111111', approved: '00' },
    { amount: '000000002500', stan: '000082', pan: '5500000000000004', approved: '00' },
  ]);
});

test('flow approvals – a sequence that changes its message after the bank approved, then times out: the reversal names the request as it was sent', async (t) => {
  const sequenceTimeout = 1_000;
  const { bank, approvals, handed, reversed, firstReversal } = await approvalsBank(t, sequenceTimeout);
  const never = gate();
  t.after(never.open);
  const terminal = await posTerminal(t, {
    sequenceTimeout,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      const m: IsoMessage = { ...message.fields };
      await (context.connectors.bank as typeof bank).request(m);
      Object.assign(m, { 4: '000000009900', 11: '000092' });
      await never.opened;
      return { ...m, 0: '0210', 39: '00' };
    }),
    onLateResult: approvals.onLateResult,
  });
  const answer = await within(terminal.request(purchase('000091')), 10_000, 'the terminal answered');
  assert.equal(answer['39'], '96', 'no onError: the terminal got the timeout 96');
  await within(firstReversal, 10_000, 'the reversal');
  assert.deepEqual(reversed, [{ stan: '000091', reason: 'sequence-timeout' }]);
  assert.deepEqual(named(handed), [{ amount: '000000001000', stan: '000091', pan: '4111111111111111', approved: '00' }]);
});
