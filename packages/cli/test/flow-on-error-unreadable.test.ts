// onError's answer whose field 39 cannot be read (a getter that throws, a revoked Proxy), synchronous or not, in
// time or after a timeout, and a sequence's value whose `then` cannot be read: such an answer does not approve (the
// endpoint cannot pack it: the terminal gets a 96), so the sequence's approval is reversed once, and no unhandled
// rejection ends the process. Real sockets: the host simulator behind a connector, the flow's endpoint, a terminal.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { SequenceResult } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import type { Connector } from '@iso8583/connector';
import { approvalsBank, posTerminal, purchase } from './flow-approvals-bank.js';
import type { ApprovalsBank } from './flow-approvals-bank.js';

/** A reply to `fields` whose field 39 cannot be read: its getter throws. */
function unreadableField39(fields: Record<string, unknown>): SequenceResult {
  const reply: Record<string, unknown> = { ...fields, 0: '0210' };
  Object.defineProperty(reply, '39', { enumerable: true, get: () => { throw new Error('unreadable'); } });
  return reply as SequenceResult;
}

/** The flow's terminal whose sequence fails after the bank approved its request; `onError` answers for it (through the book). */
function failingAfterApproval(
  t: TestContext,
  sequenceTimeout: number,
  { bank, approvals }: Pick<ApprovalsBank, 'bank' | 'approvals'>,
  onError: Parameters<ApprovalsBank['approvals']['onError']>[0],
): Promise<Connector> {
  return posTerminal(t, {
    sequenceTimeout,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      await (context.connectors.bank as typeof bank).request({ ...message.fields });
      throw new Error('the sequence failed after the approval');
    }),
    onError: approvals.onError(onError),
    onLateResult: approvals.onLateResult,
  });
}

/** onError's answers that cannot be looked at: a field 39 whose getter throws, and a revoked Proxy. */
const UNREADABLE: { name: string; stan: string; answer: (fields: Record<string, unknown>) => SequenceResult }[] = [
  { name: 'onError answers with an unreadable field 39', stan: '000091', answer: unreadableField39 },
  {
    name: 'onError returns a revoked Proxy',
    stan: '000094',
    answer: (fields) => {
      const { proxy, revoke } = Proxy.revocable({ ...fields, 0: '0210', 39: '00' }, {});
      revoke();
      return proxy as SequenceResult;
    },
  },
];

for (const { name, stan, answer: unreadable } of UNREADABLE) {
  test(`flow approvals – a sequence fails in time after an approval; ${name}: the terminal gets a 96, the approval is reversed`, async (t) => {
    const sequenceTimeout = 5000;
    const { bank, approvals, reversed } = await approvalsBank(t, sequenceTimeout);
    const terminal = await failingAfterApproval(t, sequenceTimeout, { bank, approvals }, (message): SequenceResult => unreadable({ ...message.fields }));
    const answer = await within(terminal.request(purchase(stan)), 10_000, 'the terminal answered');
    assert.equal(answer['39'], '96');
    assert.deepEqual(reversed, [{ stan, reason: 'sequence-failed' }]);
  });
}

test('flow approvals – a sequence times out after an approval; onError answers with an unreadable field 39, then the late result comes: reversed once', async (t) => {
  const sequenceTimeout = 500;
  const { bank, approvals, reversed } = await approvalsBank(t, sequenceTimeout);
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  let lateTold: () => void = () => undefined;
  const late = new Promise<void>((r) => (lateTold = r));
  const terminal = await posTerminal(t, {
    sequenceTimeout,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      const answer = await (context.connectors.bank as typeof bank).request({ ...message.fields });
      await released;
      return answer;
    }),
    onError: approvals.onError((message): SequenceResult => unreadableField39({ ...message.fields })),
    onLateResult: (...args) => {
      approvals.onLateResult(...args);
      lateTold();
    },
  });
  const answer = await within(terminal.request(purchase('000092')), 10_000, 'the terminal answered');
  assert.equal(answer['39'], '96');
  release();
  await within(late, 10_000, 'the late result handed over');
  assert.deepEqual(reversed, [{ stan: '000092', reason: 'sequence-timeout' }]);
});

test('flow approvals – an async onError resolving with an unreadable field 39: no unhandled rejection, and the approval is reversed', async (t) => {
  const sequenceTimeout = 1000;
  const { bank, approvals, reversed, firstReversal } = await approvalsBank(t, sequenceTimeout);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };
  process.on('unhandledRejection', onUnhandled);
  t.after(() => process.off('unhandledRejection', onUnhandled));
  const terminal = await failingAfterApproval(t, sequenceTimeout, { bank, approvals }, async (message): Promise<SequenceResult> => unreadableField39({ ...message.fields }));
  const answer = await within(terminal.request(purchase('000093')), 10_000, 'the terminal answered');
  // The verdict is told before onError's answer is handed to the endpoint: by now the approval is reversed, and a
  // rejection nobody handled (made as onError resolved) has been reported.
  await within(firstReversal, 10_000, 'the approval reversed');
  assert.deepEqual({ code: answer['39'], unhandled: unhandled.length, reversed }, { code: '96', unhandled: 0, reversed: [{ stan: '000093', reason: 'sequence-failed' }] });
});

test('flow approvals – a sequence returns a value whose `then` getter throws after sending a request: onError declines, the approval is reversed', async (t) => {
  const sequenceTimeout = 5000;
  const { bank, approvals, reversed, firstReversal } = await approvalsBank(t, sequenceTimeout);
  let sent: Promise<unknown> = Promise.resolve();
  const terminal = await posTerminal(t, {
    sequenceTimeout,
    connectors: { bank },
    sequence: approvals.sequence((message, context) => {
      sent = (context.connectors.bank as typeof bank).request({ ...message.fields });
      return { get then(): never { throw new Error('no then'); } } as unknown as SequenceResult;
    }),
    onError: approvals.onError((message): SequenceResult => ({ ...message.fields, 0: '0210', 39: '05' })),
    onLateResult: approvals.onLateResult,
  });
  const answer = await within(terminal.request(purchase('000095')), 10_000, 'the terminal answered');
  assert.equal(answer['39'], '05');
  await within(sent, 10_000, 'the bank answered');
  await within(firstReversal, 10_000, 'the late approval reversed as it came');
  assert.deepEqual(reversed, [{ stan: '000095', reason: 'sequence-failed' }]);
});
