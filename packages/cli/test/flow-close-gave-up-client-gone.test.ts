// A flow's sequence that holds the bank's approval and then fails because the endpoint's close gave up on it (its
// `context.signal` aborted with ISO8583_ERR_INBOUND_CLOSED, the terminal's connection closing): the endpoint starts no
// onError, so the flow's book must reverse the approval itself, once, as `client-gone` (the terminal never got it),
// not take the abort for a sequence timeout (whose verdict, onError's answer, never comes). The flow-side half of the
// close's give-up (the endpoint's half: packages/inbound close-give-up-on-error). Real sockets: the host simulator
// behind a connector as the bank, a real endpoint and a terminal's connector; the order follows the sequence's own
// gate and the endpoint's close, no sleeps; "once" is asserted when nothing more can come.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInboundEndpoint } from '@iso8583/inbound';
import type { Sequence } from '@iso8583/inbound';
import { createConnector } from '@iso8583/connector';
import { waitUntil, within } from '@iso8583/test-support';
import { approvalsBank, gate, purchase } from './flow-approvals-bank.js';

test('flow approvals – a sequence the close gave up on after the bank approved: reversed once as client-gone, onError not called', async (t) => {
  const sequenceTimeout = 45_000;
  const { bank, approvals, reversed, firstReversal } = await approvalsBank(t, sequenceTimeout);
  const holding = gate();
  let onErrorCalls = 0;
  // The approval, then a step that rejects when the signal aborts (as a connector request given the signal does).
  const sequence: Sequence = async (message, context) => {
    const answer = await (context.connectors.bank as typeof bank).request({ ...message.fields });
    holding.open();
    await new Promise((_resolve, reject) => {
      context.signal?.addEventListener('abort', () => reject(context.signal?.reason), { once: true });
    });
    return answer;
  };
  const endpoint = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    sequenceTimeout,
    connectors: { bank },
    sequence: approvals.sequence(sequence),
    onError: approvals.onError(() => {
      onErrorCalls += 1;
      return null;
    }),
    onLateResult: approvals.onLateResult,
  });
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  const terminal = createConnector({ host: '127.0.0.1', port, requestTimeout: 60_000 });
  t.after(() => terminal.destroy());
  const answered = terminal.request(purchase('000731')).then(() => 'answered', (err: { code?: string }) => String(err.code));
  await within(holding.opened, 10_000, 'the sequence never got the approval');
  // A short deadline: the close gives up on the sequence (its signal aborted with ISO8583_ERR_INBOUND_CLOSED).
  await within(endpoint.close({ deadline: 200 }), 10_000, 'the close did not end');
  assert.notEqual(await within(answered, 10_000, 'the terminal got no outcome'), 'answered', 'the terminal never got the approval');
  await within(firstReversal, 10_000, 'the approval was never reversed');
  // Once: asserted when nothing more can come, not right after the first. The message has ended at the endpoint (its
  // sequence settled: no onLateResult can follow), and the book is made to let go of what it still holds for it, as
  // the flow's stop does (`abandon` reverses every entry left pending: one left for this STAN would be a second).
  await waitUntil(() => endpoint.stats().inFlight === 0, { timeoutMs: 10_000, what: 'the message to end at the endpoint' });
  await within(approvals.abandon(), 10_000, 'the book did not let go');
  assert.deepEqual(reversed, [{ stan: '000731', reason: 'client-gone' }]);
  assert.equal(onErrorCalls, 0, 'onError is not called for a sequence the close gave up on');
});
