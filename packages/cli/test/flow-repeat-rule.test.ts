// The twin-book repeat rule of a flow's onError (message-answers.ts `repeatOf`): an approval one book holds is the
// other's "same transaction" only when the bank said so: both answers carry the same non-empty approval code (38),
// the originals are the same request (STAN and terminal, amount 4, MTI class) and agree on 37 when both answers have
// it. A bank that sends no 38 (and has no duplicate check) approves onError's resend as a new charge: the sequence's
// approval must then be reversed, not kept as a "repeat" (undefined === undefined). And onError's answer that never
// reaches the terminal (onLateResult, source onError) reverses a repeated approval once, not once per book. Real
// sockets: host simulators behind connectors (one stripping field 38), the flow's endpoint and its approval book, a
// terminal's connector; a second message through the endpoint is the settle point, not a sleep.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import type { Connector } from '@iso8583/connector';
import type { Sequence, SequenceContext } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { namedBank, posTerminal, purchase } from './flow-approvals-bank.js';

/** The primary and backup banks, a book recording each reversal, the contexts the sequence had (by STAN), and a terminal. */
async function flowOn(t: TestContext, no38: boolean, sequence: Sequence, onError: Sequence) {
  const primary = await namedBank(t, 'primary', no38 ? ({ 38: _dropped, ...rest }) => rest : undefined);
  const backup = await namedBank(t, 'backup');
  const reversed: { upstream: string | undefined; stan: unknown; reason: string }[] = [];
  const warned: string[] = [];
  const approvals = new UndeliveredApprovals((original, _answer, upstream, reason) => {
    reversed.push({ upstream: upstream?.name, stan: original['11'], reason });
  }, { warn: (line) => warned.push(line) });
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout: 10_000 });
  const contexts = new Map<unknown, SequenceContext>();
  const watched = approvals.sequence(sequence);
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { primary, backup },
    sequence: (message, context) => {
      contexts.set(message.fields['11'], context);
      return watched(message, context);
    },
    onError: approvals.onError(onError),
    onLateResult: approvals.onLateResult,
  });
  return { terminal, reversed, approvals, contexts, warned, primary };
}

const primaryThenFail: Sequence = async (message, context) => {
  await (context.connectors.primary as Connector).request({ ...message.fields }, { signal: context.signal });
  throw new Error('loyalty down');
};

// A bank that sends no 38 approves onError's resend of another amount as a new transaction: the terminal was told
// onError's (its 39, no 38: onError's own), the sequence's 10.00 must be reversed. Before, both answers lacking 38
// made it a "repeat" of onError's: kept, two charges, the terminal told of one.
test('flow repeat rule – no field 38 from the bank: onError\'s resend of another amount is not a repeat, the sequence\'s approval is reversed once', async (t) => {
  const { terminal, reversed } = await flowOn(t, true, primaryThenFail, async (message, context) => {
    const again = await (context.connectors.primary as Connector).request({ ...message.fields, 4: '000000001001' }, { signal: context.signal });
    assert.equal(again['38'], undefined, 'the bank sends no 38');
    return { ...again, 4: message.fields['4'] };
  });
  const answer = (await within(terminal.request(purchase('000781')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '00');
  await within(terminal.request(purchase('900781')), 10_000, 'the terminal answered');
  assert.deepEqual(reversed.filter((r) => r.stan === '000781'), [{ upstream: 'primary', stan: '000781', reason: 'sequence-failed' }], 'two charges, the terminal told of one');
});

// onError resends the same purchase (the bank's duplicate check: the same 38) and answers a stand-in approval (no 38:
// neither book's), so both books are kept; then that answer never reaches the terminal (onLateResult, source
// onError, client-gone): the one transaction is reversed once. Before, each book reversed its copy: two 0400s.
test('flow repeat rule – onError\'s answer undelivered after a repeat of the sequence\'s approval: one reversal, not two', async (t) => {
  const { terminal, reversed, approvals, contexts } = await flowOn(t, false, primaryThenFail, async (message, context) => {
    await (context.connectors.primary as Connector).request({ ...message.fields }, { signal: context.signal });
    return { ...message.fields, 0: '0210', 39: '00' };
  });
  const answer = (await within(terminal.request(purchase('000777')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '00');
  await within(terminal.request(purchase('900777')), 10_000, 'the terminal answered');
  assert.deepEqual(reversed.filter((r) => r.stan === '000777'), [], 'the stand-in approval told: both books kept');
  const context = contexts.get('000777') as SequenceContext;
  approvals.onLateResult(answer, { mti: '0200', fields: purchase('000777') } as never, context, 'client-gone', 'onError');
  assert.deepEqual(reversed.filter((r) => r.stan === '000777'), [{ upstream: 'primary', stan: '000777', reason: 'client-gone' }]);
});

// onError resends the same purchase (the bank's duplicate check: the same 38) and answers a stand-in approval: both
// books hold the one transaction's approval, one charge: no ISO8583_WARN_FLOW_STAND_IN_AFTER_APPROVAL ("two charges").
// Before, any approval in both books warned.
test('flow repeat rule – a stand-in after onError repeated the sequence\'s approval: one charge, no stand-in warning', async (t) => {
  const { terminal, reversed, warned } = await flowOn(t, false, primaryThenFail, async (message, context) => {
    const again = await (context.connectors.primary as Connector).request({ ...message.fields }, { signal: context.signal });
    assert.equal(again['39'], '00');
    return { ...message.fields, 0: '0210', 38: 'STAND1', 39: '00' };
  });
  const answer = (await within(terminal.request(purchase('000791')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['38'], 'STAND1');
  await within(terminal.request(purchase('900791')), 10_000, 'the terminal answered');
  assert.deepEqual(reversed.filter((r) => r.stan === '000791'), [], 'the one charge kept');
  assert.deepEqual(warned.filter((line) => line.includes(' STAN 000791 ')), [], 'one transaction at the bank: no two charges');
});

// onError resends the purchase to the primary (the bank's duplicate check: the sequence's approval again, the same
// 38), then asks the backup and relays the backup's approval: the terminal was told the backup's, so the primary's one
// transaction is reversed once (the sequence's copy; onError's untold repeat of it is the same transaction, left as it
// is) and the backup's kept. Before, the sequence's copy was kept as a "repeat" of onError's untold primary approval,
// which was never reversed: two charges, primary and backup (sr63c #5).
test('flow repeat rule – onError repeats at the primary and relays the backup\'s approval: the primary\'s transaction is reversed once', async (t) => {
  const { terminal, reversed, primary } = await flowOn(t, false, primaryThenFail, async (message, context) => {
    await (context.connectors.primary as Connector).request({ ...message.fields }, { signal: context.signal });
    return (context.connectors.backup as Connector).request({ ...message.fields }, { signal: context.signal });
  });
  // The primary's authorization codes then differ from the backup's (each simulator counts its own from one).
  await within(primary.request(purchase('000800')), 10_000, 'the primary answered');
  const answer = (await within(terminal.request(purchase('000801')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '00');
  await within(terminal.request(purchase('900801')), 10_000, 'the terminal answered');
  assert.deepEqual(reversed.filter((r) => r.stan === '000801'), [{ upstream: 'primary', stan: '000801', reason: 'sequence-failed' }]);
});
