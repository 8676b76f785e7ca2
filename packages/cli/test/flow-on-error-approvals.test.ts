// What a flow's onError itself gets through `context.connectors` (a backup link, asked without the signal) is in a
// book of its own: reversed when the terminal never gets onError's answer (onError outlives its sequenceTimeout: the
// terminal gets a 96, onError's approval comes after), kept when its answer reaches the terminal. Real sockets: the
// host simulator behind a connector, the flow's endpoint with its approval book, a terminal's connector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import type { Connector } from '@iso8583/connector';
import { within } from '@iso8583/test-support';
import { approvalsBank, gate, posTerminal, purchase } from './flow-approvals-bank.js';

test('flow onError approvals – onError\'s own approval after its sequenceTimeout (the terminal told 96) is reversed', async (t) => {
  const { bank, approvals, reversed, firstReversal } = await approvalsBank(t, 300);
  const told = gate();
  const terminal = await posTerminal(t, {
    sequenceTimeout: 300,
    connectors: { bank },
    sequence: approvals.sequence(() => {
      throw new Error('primary route refused');
    }),
    onError: approvals.onError(async (message, context) => {
      await told.opened; // The terminal has its 96 before the backup answers.
      const paid = await (context.connectors.bank as Connector).request({ ...message.fields });
      return { ...message.fields, 0: '0210', 39: paid['39'] as string };
    }),
    onLateResult: approvals.onLateResult,
  });
  const answer = (await within(terminal.request(purchase('000301')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '96');
  told.open();
  await within(firstReversal, 10_000, 'onError\'s approval was never reversed');
  assert.deepEqual(reversed, [{ stan: '000301', reason: 'sequence-failed' }]);
});

test('flow onError approvals – onError\'s own approval that reaches the terminal is kept', async (t) => {
  const { bank, approvals, reversed } = await approvalsBank(t, 10_000);
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(() => {
      throw new Error('primary route refused');
    }),
    onError: approvals.onError(async (message, context) => {
      const paid = await (context.connectors.bank as Connector).request({ ...message.fields });
      return { ...message.fields, 0: '0210', 39: paid['39'] as string };
    }),
    onLateResult: approvals.onLateResult,
  });
  const answer = (await within(terminal.request(purchase('000302')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '00');
  // A second message through the same endpoint, answered: the first's book had its chance to act.
  assert.equal(((await within(terminal.request(purchase('000303')), 10_000, 'the terminal answered')) as IsoMessage)['39'], '00');
  assert.deepEqual(reversed, []);
});

test('flow onError approvals – onError\'s own approval under a decline it answers the terminal with is reversed', async (t) => {
  const { bank, approvals, reversed, firstReversal } = await approvalsBank(t, 10_000);
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(() => {
      throw new Error('primary route refused');
    }),
    // The backup approves, and onError tells the terminal no all the same: money moved, the terminal was told no.
    onError: approvals.onError(async (message, context) => {
      await (context.connectors.bank as Connector).request({ ...message.fields });
      return { ...message.fields, 0: '0210', 39: '05' };
    }),
    onLateResult: approvals.onLateResult,
  });
  const answer = (await within(terminal.request(purchase('000304')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '05');
  await within(firstReversal, 10_000, 'onError\'s approval under its decline was never reversed');
  assert.deepEqual(reversed, [{ stan: '000304', reason: 'sequence-failed' }]);
});
