// A flow's book judges a sequence's reply as it was when the sequence gave it to the endpoint, and the endpoint writes
// that same reply: what the sequence does with its reply object afterwards (a template it reuses, a field it sets
// later) changes neither what the terminal is told nor what becomes of the bank's approval. Before: the book read the
// object when it first needed a verdict (an approval after a sync reply), and the endpoint packed a declining reply
// only once its reversal was stored: a reply returned `05` and set to `00` afterwards kept the bank's approval while
// the terminal had its `05` (the cardholder charged for a declined sale), or was written `00` while its approval was
// being reversed. Real sockets: the host simulator behind a connector, the flow's endpoint, a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { approvalsBank, gate, posTerminal, purchase } from './flow-approvals-bank.js';

test('flow approvals – a sync reply changed after it was returned is judged as it was returned', async (t) => {
  const { bank, approvals, reversed } = await approvalsBank(t, 10_000);
  let pending: Promise<unknown> | undefined;
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence((message, context) => {
      // The bank's answer is not awaited: the reply goes at once, and the book judges it when the approval comes.
      pending = (context.connectors.bank as typeof bank).request({ ...message.fields });
      const reply: IsoMessage = { ...message.fields, 0: '0210', 39: '05' };
      queueMicrotask(() => (reply[39] = '00'));
      return reply;
    }),
    onLateResult: approvals.onLateResult,
  });
  const answer = await within(terminal.request(purchase('000401')), 10_000, 'the terminal answered');
  assert.equal(answer['39'], '05', 'the terminal got the reply as returned');
  assert.equal(((await within(pending as Promise<IsoMessage>, 10_000, 'the bank to approve')) as IsoMessage)['39'], '00');
  assert.deepEqual(reversed, [{ stan: '000401', reason: 'reply-declined' }], 'the approval behind the decline is reversed');
});

test('flow approvals – a declining reply changed while its reversal is stored is written as it was returned', async (t) => {
  const { bank } = await approvalsBank(t, 10_000);
  const changed = gate();
  const reasons: string[] = [];
  // The store ends once the sequence has changed its reply object.
  const approvals = new UndeliveredApprovals(async (_original, _answer, _upstream, reason) => {
    reasons.push(reason);
    await changed.opened;
  });
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout: 10_000 });
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      const approved = (await (context.connectors.bank as typeof bank).request({ ...message.fields })) as IsoMessage;
      const reply: IsoMessage = { ...approved, 39: '05' };
      setImmediate(() => {
        reply[39] = '00';
        changed.open();
      });
      return reply;
    }),
    onLateResult: approvals.onLateResult,
  });
  const answer = await within(terminal.request(purchase('000402')), 10_000, 'the terminal answered');
  assert.deepEqual(reasons, ['reply-declined']);
  assert.equal(answer['39'], '05', 'the terminal got the decline whose approval was reversed');
});
