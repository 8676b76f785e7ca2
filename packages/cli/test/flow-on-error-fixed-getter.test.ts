// onError's approval whose field 39 is a getter the answer cannot redefine (defined without `configurable`, or on a
// frozen object) is read once into a plain value like any getter (reply-verdict.ts `answerSnapshot`): the terminal is
// told approved and onError's own approval is kept (the snapshot tried to redefine the getter on a copy that kept it
// non-configurable, threw "Cannot redefine property", counted as onError failing: a 96 and the approval reversed,
// sr65g). Real sockets: the host simulator behind a connector, the flow's endpoint with its approval book, a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import type { Connector } from '@iso8583/connector';
import type { SequenceResult } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { approvalsBank, posTerminal, purchase } from './flow-approvals-bank.js';

/** onError's answers carrying field 39 `code` through a getter that cannot be redefined. */
const FIXED: { how: string; stan: string; answer: (fields: Record<string, unknown>, code: string) => SequenceResult }[] = [
  {
    how: 'a getter defined without configurable',
    stan: '000311',
    answer: (fields, code) => {
      const answer: Record<string, unknown> = { ...fields, 0: '0210' };
      Object.defineProperty(answer, '39', { get: () => code, enumerable: true });
      return answer as SequenceResult;
    },
  },
  { how: 'a frozen object\'s getter', stan: '000313', answer: (fields, code) => Object.freeze({ ...fields, 0: '0210', get 39() { return code; } }) as SequenceResult },
];

for (const { how, stan, answer } of FIXED) {
  test(`flow onError approvals – onError's approval with field 39 as ${how} reaches the terminal and is kept`, async (t) => {
    const { bank, approvals, reversed } = await approvalsBank(t, 10_000);
    const terminal = await posTerminal(t, {
      sequenceTimeout: 10_000,
      connectors: { bank },
      sequence: approvals.sequence(() => {
        throw new Error('primary route refused');
      }),
      onError: approvals.onError(async (message, context) => {
        const paid = await (context.connectors.bank as Connector).request({ ...message.fields });
        return answer({ ...message.fields }, paid['39'] as string);
      }),
      onLateResult: approvals.onLateResult,
    });
    const told = (await within(terminal.request(purchase(stan)), 10_000, 'the terminal answered')) as IsoMessage;
    assert.equal(told['39'], '00', 'the terminal was told approved');
    // A second message through the same endpoint, answered: the first's book had its chance to act.
    const next = String(Number(stan) + 1).padStart(6, '0');
    assert.equal(((await within(terminal.request(purchase(next)), 10_000, 'the terminal answered')) as IsoMessage)['39'], '00');
    assert.deepEqual(reversed, [], 'nothing reversed: the terminal was told approved');
  });
}
