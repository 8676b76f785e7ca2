// A flow's sequence may return a promise-like whose `then` answers each call differently (fulfils for the first
// caller, rejects for the next, or the other way round). The flow adopts it once, as one native promise that the
// endpoint (the terminal's answer) and the approval book both read, so that both judge the same settlement: the
// terminal told approved keeps the bank's approval, the terminal told onError's decline has it reversed, once. Real
// sockets: the host simulator behind a connector, the flow's inbound endpoint and its approval book, a terminal's
// connector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SequenceResult } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { approvalsBank, posTerminal, purchase } from './flow-approvals-bank.js';

/**
 * `run`'s outcome as a promise-like whose first `then` call gets `run`'s result when `firstFulfils` (a failure
 * otherwise) and every later call the other; `calls` counts the calls. Typed as the `Sequence` type's Promise, as a
 * JavaScript sequence may return it.
 */
function fickle(run: () => Promise<SequenceResult>, firstFulfils: boolean): { like: Promise<SequenceResult>; calls: () => number } {
  const settled = run();
  let calls = 0;
  const like: PromiseLike<SequenceResult> = {
    then: (ok, failed) => {
      calls += 1;
      const fulfils = (calls === 1) === firstFulfils;
      return settled.then((result) => (fulfils ? ok?.(result) : failed?.(new Error('the sequence failed'))) as never);
    },
  };
  return { like: like as Promise<SequenceResult>, calls: () => calls };
}

for (const { name, firstFulfils, code, reversals } of [
  { name: 'fulfils first, then rejects: the terminal has the approval, nothing is reversed', firstFulfils: true, code: '00', reversals: 0 },
  { name: "rejects first, then fulfils: the terminal has onError's decline, the approval is reversed once", firstFulfils: false, code: '05', reversals: 1 },
]) {
  test(`flow approvals – a promise-like whose then answers each call differently, ${name}`, async (t) => {
    const sequenceTimeout = 10_000;
    const { bank, approvals, reversed } = await approvalsBank(t, sequenceTimeout);
    let calls: () => number = () => 0;
    const terminal = await posTerminal(t, {
      sequenceTimeout,
      connectors: { bank },
      sequence: approvals.sequence((message, context) => {
        const made = fickle(async () => {
          const answer = await (context.connectors.bank as typeof bank).request({ ...message.fields });
          return { ...message.fields, 0: '0210', 39: answer['39'] as string };
        }, firstFulfils);
        calls = made.calls;
        return made.like;
      }),
      onError: approvals.onError((message) => ({ ...message.fields, 0: '0210', 39: '05' })),
      onLateResult: approvals.onLateResult,
    });
    const answer = await within(terminal.request(purchase('000121')), 10_000, 'the terminal answered');
    assert.equal(answer['39'], code, 'the terminal got the settlement the flow adopted');
    assert.equal(calls(), 1, "the promise-like's then was called once");
    // A reversal, when due, is handed over as onError's answer is judged: before the terminal has it.
    assert.deepEqual(reversed, reversals === 1 ? [{ stan: '000121', reason: 'sequence-failed' }] : []);
  });
}
