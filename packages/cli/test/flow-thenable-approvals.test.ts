// A flow's sequence and onError may return any promise-like (an object with `then`), as the inbound endpoint awaits
// any: the approvals kept for a message are judged by the same rule. A sequence whose promise-like rejects after the
// bank approved has its approval reversed once when onError's promise-like answers a decline, and kept when it answers
// an approval. Real sockets: the host simulator behind a connector, the flow's inbound endpoint, a terminal's connector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SequenceResult } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { approvalsBank, posTerminal, purchase } from './flow-approvals-bank.js';

/**
 * `run`'s outcome as a promise-like that is not a Promise (typed as the `Sequence` type's Promise, as a JavaScript
 * sequence may return it: the endpoint awaits any object with `then`).
 */
function promiseLike(run: () => Promise<SequenceResult>): Promise<SequenceResult> {
  const settled = run();
  const like: PromiseLike<SequenceResult> = { then: (ok, failed) => settled.then(ok, failed) };
  return like as Promise<SequenceResult>;
}

for (const { name, code, reversals } of [
  { name: 'onError answers a decline: the approval is reversed once', code: '05', reversals: 1 },
  { name: 'onError answers an approval: the terminal has it, nothing is reversed', code: '00', reversals: 0 },
]) {
  test(`flow approvals – promise-likes that are not Promises: ${name}`, async (t) => {
    const sequenceTimeout = 10_000;
    const { bank, approvals, reversed } = await approvalsBank(t, sequenceTimeout);
    const terminal = await posTerminal(t, {
      sequenceTimeout,
      connectors: { bank },
      sequence: approvals.sequence((message, context) =>
        promiseLike(async () => {
          await (context.connectors.bank as typeof bank).request({ ...message.fields });
          throw new Error('the sequence failed after the bank approved');
        }),
      ),
      onError: approvals.onError((message) => promiseLike(async () => ({ ...message.fields, 0: '0210', 39: code }))),
      onLateResult: approvals.onLateResult,
    });
    const answer = await within(terminal.request(purchase('000071')), 10_000, 'the terminal answered');
    assert.equal(answer['39'], code, "the terminal got onError's answer");
    // The reversal, when due, is handed over as onError's answer is judged: before the terminal has it.
    assert.deepEqual(reversed, reversals === 1 ? [{ stan: '000071', reason: 'sequence-failed' }] : []);
  });
}
