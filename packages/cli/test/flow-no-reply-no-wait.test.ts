// A flow's sequence that gives no reply (`null`) to a request that expects one, when it got no answer: the book holds
// nothing to reverse, so the reply is not held for reversals (no deadline timer armed per message): a sync sequence's
// null goes to the endpoint as it was returned, not as a promise. (An approval that comes after such a reply is still
// reversed as it comes: flow-no-reply-approvals.) Real sockets: the flow's inbound endpoint and a terminal's connector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isThenable } from '@iso8583/inbound';
import type { SequenceResult } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { approvalsBank, gate, posTerminal, purchase } from './flow-approvals-bank.js';
import { MessageAnswers } from '../src/flow/message-answers.js';

test('flow no reply – a sync null with nothing held is handed to the endpoint as it is, with no wait armed', async (t) => {
  const sequenceTimeout = 3_000;
  const { approvals } = await approvalsBank(t, sequenceTimeout);
  const inner = approvals.sequence(() => null);
  const returned = gate();
  let out: unknown = 'not called';
  const terminal = await posTerminal(t, {
    sequenceTimeout,
    sequence: (message, context) => {
      const result = inner(message, context);
      out = result;
      returned.open();
      return result as SequenceResult;
    },
    onLateResult: approvals.onLateResult,
  });
  // The terminal gets nothing: its request is left; the test ends it.
  void terminal.request(purchase('000091')).catch(() => undefined);
  await within(returned.opened, 10_000, 'the sequence returned');
  assert.equal(isThenable(out), false, 'a null reply with nothing to reverse is not held behind a promise');
  assert.equal(out, null);
});

test('flow no reply – an empty book gives no promise to wait on, once or again', () => {
  const reasons: string[] = [];
  const book = new MessageAnswers((_original, _answer, _upstream, reason) => {
    reasons.push(reason);
  });
  assert.equal(book.undelivered('no-reply'), undefined);
  assert.equal(book.undelivered('client-gone'), undefined);
  assert.deepEqual(reasons, []);
});
