// A message whose reversals are not stored in time is logged ISO8583_WARN_FLOW_DECLINE_UNSTORED once (decline-wait.ts),
// when onError never settles: a sequence approved at the bank fails in time, and onError's timer gives the 96, whose
// hold logs the line (`96 after onError`); before, the verdict's wait at that timer also logged "onError's answer goes
// to the terminal", which it never did. Real sockets: the host simulator behind a connector, the flow's endpoint with its approval book whose
// reversal is never stored (held by a gate until the test ends), a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import type { Connector } from '@iso8583/connector';
import type { Sequence, SequenceResult } from '@iso8583/inbound';
import { capturedLogger, within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { DECLINE_UNSTORED } from '../src/flow/decline-wait.js';
import { approvalsBank, gate, posTerminal, purchase } from './flow-approvals-bank.js';

const onErrors: { what: string; stan: string; onError: Sequence }[] = [
  { what: 'never settles', stan: '000671', onError: () => new Promise<SequenceResult>(() => undefined) },
];

for (const { what, stan, onError } of onErrors) {
  test(`flow decline unstored – onError that ${what}, the reversal never stored: one ${DECLINE_UNSTORED} for the message`, async (t) => {
    const sequenceTimeout = 1_500;
    const { bank } = await approvalsBank(t, sequenceTimeout);
    const { logger, lines } = capturedLogger('warn');
    const stored = gate();
    t.after(() => stored.open());
    const reversed: unknown[] = [];
    const approvals = new UndeliveredApprovals((original) => {
      reversed.push(original['11']);
      return stored.opened;
    });
    approvals.bind({ dialect: 'iso87ascii', sequenceTimeout });
    const terminal = await posTerminal(t, {
      sequenceTimeout,
      logger,
      connectors: { bank },
      sequence: approvals.sequence(async (message, context) => {
        await (context.connectors.bank as Connector).request({ ...message.fields });
        throw new Error('the reply could not be built');
      }),
      onError: approvals.onError(onError),
      onLateResult: approvals.onLateResult,
    });
    const told = (await within(terminal.request(purchase(stan)), 10_000, 'the terminal answered')) as IsoMessage;
    assert.equal(told['39'], '96');
    assert.deepEqual(reversed, [stan], 'the approval is being reversed');
    const unstored = lines.filter((line) => line.code === DECLINE_UNSTORED);
    assert.equal(unstored.length, 1, `one line for the message: ${JSON.stringify(unstored.map((line) => line.msg))}`);
    assert.doesNotMatch(JSON.stringify(unstored), /4111111111111111/, 'no card number');
  });
}
