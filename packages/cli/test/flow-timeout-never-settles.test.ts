// A flow's sequence that times out after the bank approved and then never settles (it awaits something that never
// comes): the terminal's timeout answer alone decides the approval. onError's decline, or the endpoint's own 96 when
// there is no onError, reverses it once (reason `sequence-timeout`) without waiting for a late outcome that never
// comes; onError's approval keeps it. Real sockets: the host simulator behind a connector, the flow's inbound
// endpoint, a terminal's connector; the reversal is awaited by a gate, not a sleep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InboundOptions, SequenceResult } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { approvalsBank, gate, posTerminal, purchase } from './flow-approvals-bank.js';

for (const { name, stan, onErrorAnswers, told, reversals } of [
  { name: 'onError answers a decline: reversed once, at once', stan: '000091', onErrorAnswers: '05', told: '05', reversals: [{ stan: '000091', reason: 'sequence-timeout' }] },
  { name: 'no onError (the endpoint answers 96): reversed once, at once', stan: '000092', onErrorAnswers: undefined, told: '96', reversals: [{ stan: '000092', reason: 'sequence-timeout' }] },
  { name: 'onError approves: the approval is kept', stan: '000093', onErrorAnswers: '00', told: '00', reversals: [] },
]) {
  test(`flow approvals – a sequence timed out after the bank approved and never settles: ${name}`, async (t) => {
    const sequenceTimeout = 1000;
    const { bank, approvals, reversed, firstReversal } = await approvalsBank(t, sequenceTimeout);
    const bankApproved = gate();
    const options: Omit<InboundOptions, 'port' | 'host'> = {
      sequenceTimeout,
      connectors: { bank },
      sequence: approvals.sequence(async (message, context) => {
        const answer = await (context.connectors.bank as typeof bank).request({ ...message.fields });
        assert.equal(answer['39'], '00', 'the simulator approves the purchase');
        bankApproved.open();
        // Never settles: the sequence waits for something that never comes.
        return new Promise<SequenceResult>(() => undefined);
      }),
      onLateResult: approvals.onLateResult,
    };
    if (onErrorAnswers !== undefined) {
      options.onError = approvals.onError((message): SequenceResult => ({ ...message.fields, 0: '0210', 39: onErrorAnswers }));
    }
    const terminal = await posTerminal(t, options);
    const answer = await within(terminal.request(purchase(stan)), 10_000, 'the terminal answered at the sequence timeout');
    await within(bankApproved.opened, 10_000, 'the bank approved before the timeout');
    assert.equal(answer['39'], told, "the terminal got onError's answer (or the endpoint's 96)");
    // The verdict comes before the answer is written: a reversal due is made by the time the terminal has its answer.
    if (reversals.length > 0) await within(firstReversal, 10_000, 'the approval reversed');
    assert.deepEqual(reversed, reversals);
  });
}
