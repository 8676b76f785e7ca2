// decline-wait.ts: the wait for the reversals' store before an answer goes (`storedWithin`) is bounded only when a
// `sequenceTimeout` is bound, as `storedOrDeadline` is: with none (0, a book not bound to an endpoint) it does not
// claim the answer went unstored at once (it logged ISO8583_WARN_FLOW_DECLINE_UNSTORED for a wait that had no
// deadline: sr65g). And the margin is the endpoint's bound of the 96 after onError (inbound `giveUpHold`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InboundMessage, SequenceContext } from '@iso8583/inbound';
import { giveUpHold } from '@iso8583/inbound';
import { capturedLogger } from '@iso8583/test-support';
import { declineMargin, storedWithin } from '../src/flow/decline-wait.js';

const message = { mti: '0200', fields: { 0: '0200', 11: '000981', 41: '00000001' } } as unknown as InboundMessage;

test('flow decline wait – storedWithin with no sequenceTimeout bound waits for the store and logs nothing', async () => {
  const { logger, lines } = capturedLogger('warn');
  const context = { messageId: 'm1', logger } as unknown as SequenceContext;
  let stored: () => void = () => undefined;
  const store = new Promise<void>((resolve) => (stored = resolve));
  const waited = storedWithin(store, giveUpHold(0), 0, message, context, '96 after onError');
  // A timer made after the wait's own (same delay: it runs after it, and after the microtasks that callback queued).
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(lines.map((l) => l.code), [], 'no line: no deadline passed');
  stored();
  await waited;
  assert.deepEqual(lines.map((l) => l.code), []);
});

test('flow decline wait – the margin is the endpoint\'s giveUpHold: a tenth of the sequenceTimeout, 250 ms at most', () => {
  for (const timeout of [1, 1000, 2500, 30_000]) assert.equal(declineMargin(timeout), giveUpHold(timeout));
});
