// A flow's sequence that times out after the bank approved: the terminal gets onError's timeout answer, and that
// answer decides what the sequence's late outcome means. onError's approval keeps the approvals even when the sequence
// then fails (a late failure is not a late result: it never reaches onLateResult); an onError that never settles (the
// terminal gets a 96 at its bound, the `sequenceTimeout`) reverses once the late result that came while it was
// pending, as `sequence-timeout`. Real sockets: the host simulator behind a connector, the flow's inbound endpoint, a
// terminal's connector; gates, not sleeps, order the sequence's end after onError is called. The cases run side by
// side (a host, connector, endpoint and terminal of their own each): they wait on the sequence timeout.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LateResultHandler, SequenceResult } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { approvalsBank, gate, posTerminal, purchase } from './flow-approvals-bank.js';

describe('a sequence timed out after the bank approved', { concurrency: true }, () => {
  for (const { name, stan, onErrorAnswers, sequenceFails, told, reversals } of [
    { name: 'onError approves, then the sequence fails: the approval is kept', stan: '000081', onErrorAnswers: '00', sequenceFails: true, told: '00', reversals: [] },
    // A partial approval (10) tells the terminal it was approved as much as a 00: the bank's approval is kept.
    { name: 'onError answers a partial approval (10), then the sequence fails: the approval is kept', stan: '000084', onErrorAnswers: '10', sequenceFails: true, told: '10', reversals: [] },
    { name: 'onError answers a decline, then the sequence fails: the approval is reversed once', stan: '000082', onErrorAnswers: '05', sequenceFails: true, told: '05', reversals: [{ stan: '000082', reason: 'sequence-timeout' }] },
    { name: 'the late result comes while onError is pending, and onError never settles: reversed once at its bound', stan: '000083', onErrorAnswers: undefined, sequenceFails: false, told: '96', reversals: [{ stan: '000083', reason: 'sequence-timeout' }] },
  ]) {
    test(`flow approvals – a sequence timed out after the bank approved: ${name}`, async (t) => {
      const sequenceTimeout = 1000;
      const { bank, approvals, reversed } = await approvalsBank(t, sequenceTimeout);
      const onErrorCalled = gate();
      const sequenceEnds = gate();
      const sequenceEnded = gate();
      const onLateResult: LateResultHandler = (...args) => {
        approvals.onLateResult(...args);
        sequenceEnded.open();
      };
      const terminal = await posTerminal(t, {
        sequenceTimeout,
        connectors: { bank },
        sequence: approvals.sequence(async (message, context) => {
          const answer = await (context.connectors.bank as typeof bank).request({ ...message.fields });
          await sequenceEnds.opened;
          if (sequenceFails) {
            // Told after the flow's own handler of the failure (attached first): the book has judged it by then.
            setImmediate(sequenceEnded.open);
            throw new Error('the sequence failed after its timeout');
          }
          return answer;
        }),
        onError: approvals.onError((message): SequenceResult | Promise<SequenceResult> => {
          onErrorCalled.open();
          if (onErrorAnswers === undefined) return new Promise<SequenceResult>(() => undefined);
          return { ...message.fields, 0: '0210', 39: onErrorAnswers };
        }),
        onLateResult,
      });
      const answered = terminal.request(purchase(stan));
      await within(onErrorCalled.opened, 10_000, 'onError called at the sequence timeout');
      sequenceEnds.open();
      await within(sequenceEnded.opened, 10_000, 'the sequence ended after its timeout');
      const answer = await within(answered, 10_000, 'the terminal answered');
      assert.equal(answer['39'], told, "the terminal got onError's answer (or the endpoint's 96)");
      assert.deepEqual(reversed, reversals);
    });
  }
});
