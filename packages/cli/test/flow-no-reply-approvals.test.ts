// A flow's sequence that gets the bank's approval and gives its terminal no reply to a request that expects one
// (`undefined`, a forgotten return; `null`, send nothing: reason `no-reply`), or a reply that does not approve (a 0210
// declining with 05, the request echoed back unchanged, with no field 39: reason `reply-declined`), has its approval
// reversed once, whether it answers synchronously or through a promise. A reply that approves (the bank's answer; the
// request echoed back with 39 00: the endpoint sends it, and a terminal matching by STAN takes it) reverses nothing.
// Real sockets: the host simulator behind a connector, the flow's inbound endpoint, a terminal's connector to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import type { SequenceResult } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { approvalsBank, gate, posTerminal, purchase } from './flow-approvals-bank.js';

const replies: { name: string; reason: string; reply: (request: IsoMessage, answer: IsoMessage) => SequenceResult }[] = [
  { name: 'undefined (a forgotten return)', reason: 'no-reply', reply: () => undefined },
  { name: 'null (send nothing)', reason: 'no-reply', reply: () => null },
  { name: 'a 0210 that declines (39 05)', reason: 'reply-declined', reply: (request, answer) => ({ ...request, ...answer, 0: '0210', 39: '05' }) },
  { name: 'the request echoed back unchanged (no field 39)', reason: 'reply-declined', reply: (request) => ({ ...request }) },
];

for (const { name, reason, reply } of replies) {
  for (const mode of ['async', 'sync'] as const) {
    test(`flow approvals – a ${mode} sequence that returns ${name} after the bank approved: reversed once, reason ${reason}`, async (t) => {
      const sequenceTimeout = 3_000;
      const { bank, approvals, reversed, firstReversal } = await approvalsBank(t, sequenceTimeout);
      // The sync sequence's approval comes after it returned: the book reverses it as it comes.
      const answered = gate();
      const terminal = await posTerminal(t, {
        sequenceTimeout,
        connectors: { bank },
        sequence: approvals.sequence((message, context) => {
          const sent = (context.connectors.bank as typeof bank).request({ ...message.fields }).then((answer) => {
            answered.open();
            return answer;
          });
          if (mode === 'sync') {
            sent.catch(() => undefined);
            return reply(message.fields, {});
          }
          return sent.then((answer) => reply(message.fields, answer));
        }),
        onLateResult: approvals.onLateResult,
      });
      // The terminal gets nothing (or its own request back): its request is left; the test ends it.
      void terminal.request(purchase('000081')).catch(() => undefined);
      await within(answered.opened, 10_000, 'the bank approved');
      await within(firstReversal, 10_000, 'the approval the terminal never got was reversed');
      // A second reversal (the book's timeout, a late answer) would come from what the book still holds: give it all
      // up now (as a stop does), so that anything held is reversed and seen.
      await within(approvals.abandon(), 10_000, 'the book gave up what it still held');
      assert.deepEqual(reversed, [{ stan: '000081', reason }]);
    });
  }
}

test('flow approvals – a sequence that returns the bank\'s answer (the response MTI) reverses nothing', async (t) => {
  const sequenceTimeout = 10_000;
  const { bank, approvals, reversed } = await approvalsBank(t, sequenceTimeout);
  const terminal = await posTerminal(t, {
    sequenceTimeout,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => (context.connectors.bank as typeof bank).request({ ...message.fields })),
    onLateResult: approvals.onLateResult,
  });
  const answer = await within(terminal.request(purchase('000082')), 10_000, 'the terminal answered');
  assert.equal(answer['39'], '00');
  assert.deepEqual(reversed, []);
});

test('flow approvals – a sequence that returns the request echoed back with 39 00 (another MTI than the response\'s): sent, nothing reversed', async (t) => {
  const sequenceTimeout = 3_000;
  const { bank, approvals, reversed } = await approvalsBank(t, sequenceTimeout);
  const answered = gate();
  const terminal = await posTerminal(t, {
    sequenceTimeout,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      await (context.connectors.bank as typeof bank).request({ ...message.fields });
      answered.open();
      return { ...message.fields, 39: '00' };
    }),
    onLateResult: approvals.onLateResult,
  });
  // The endpoint sends the echo (its reply check only warns): a terminal matching by STAN takes it and completes the
  // sale. This test's terminal matches by MTI too, so its request is left; the test ends it.
  void terminal.request(purchase('000083')).catch(() => undefined);
  await within(answered.opened, 10_000, 'the bank approved');
  await within(approvals.abandon(), 10_000, 'the book gave up what it still held');
  assert.deepEqual(reversed, [], 'the sale the terminal may complete is not reversed');
});
