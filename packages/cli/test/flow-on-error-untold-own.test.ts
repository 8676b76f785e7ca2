// onError relays the approval of one of its own links (owner 'own': a backup's) after another of its links approved
// too: the terminal was told the one relayed, so every other approval onError got of a purchase is reversed, each once
// (on-error-verdict.ts `ownUndone`, message-answers.ts `keptTold`), with the sequence's: the cardholder is
// charged once (docs/flows.md). Before, onError's book was kept whole under 'own': the untold backup's approval stood,
// no reversal and no warning, a second charge. An untold approval that comes after onError's answer is reversed as it
// comes. Real sockets: host simulators behind connectors (primary, backup, spare: each with its own authorization
// code, 38), the flow's endpoint and its approval book, a terminal's connector; a second message through the endpoint
// and the awaited reversal are the settle points, not sleeps.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import type { Connector } from '@iso8583/connector';
import type { Sequence } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { gate, namedBank, posTerminal, purchase } from './flow-approvals-bank.js';

/** Each approval of a bank answered with that bank's own authorization code. */
const code = (value: string) => (answer: Record<string, unknown>): Record<string, unknown> => (answer['38'] === undefined ? answer : { ...answer, 38: value });

/**
 * The primary, backup and spare banks (the backup's answers held until `backupHeld` settles, when given), a book
 * recording each reversal (one opening `reversedAt(upstream)`), and a terminal whose sequence is approved by the
 * primary and then fails; `onError` answers the terminal. Each reversal's store ends once `storeHeld` settles, when given.
 */
async function flowOn(t: TestContext, onError: Sequence, backupHeld?: Promise<void>, storeHeld?: Promise<void>) {
  const primary = await namedBank(t, 'primary', code('111111'));
  const backup = await namedBank(t, 'backup', code('222222'), backupHeld);
  const spare = await namedBank(t, 'spare', code('333333'));
  const reversed: string[] = [];
  const gates = new Map<string, ReturnType<typeof gate>>();
  const gateOf = (upstream: string): ReturnType<typeof gate> => {
    let one = gates.get(upstream);
    if (one === undefined) gates.set(upstream, (one = gate()));
    return one;
  };
  const warned: string[] = [];
  const approvals = new UndeliveredApprovals((original, _answer, upstream, reason) => {
    reversed.push(`${String(upstream?.name)} ${String(original['11'])} ${reason}`);
    gateOf(String(upstream?.name)).open();
    return storeHeld;
  }, { warn: (line) => warned.push(line) });
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout: 10_000 });
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { primary, backup, spare },
    sequence: approvals.sequence(async (message, context) => {
      if (String(message.fields['11']).startsWith('9')) return { ...message.fields, 0: '0210', 39: '00' };
      await (context.connectors.primary as Connector).request({ ...message.fields }, { signal: context.signal });
      throw new Error('loyalty down');
    }),
    onError: approvals.onError(onError),
    onLateResult: approvals.onLateResult,
  });
  return { terminal, reversed, reversedAt: (upstream: string) => gateOf(upstream).opened, warned };
}

test('flow onError untold own – onError relays the spare\'s approval after the backup approved too: the backup\'s and the primary\'s are reversed', async (t) => {
  const { terminal, reversed, warned } = await flowOn(t, async (message, context) => {
    await (context.connectors.backup as Connector).request({ ...message.fields }, { signal: context.signal });
    return (context.connectors.spare as Connector).request({ ...message.fields }, { signal: context.signal });
  });
  const answer = (await within(terminal.request(purchase('000951')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.deepEqual([answer['39'], answer['38']], ['00', '333333'], 'the terminal was told the spare\'s approval');
  await within(terminal.request(purchase('900951')), 10_000, 'the second message answered');
  assert.deepEqual(reversed.sort(), ['backup 000951 sequence-failed', 'primary 000951 sequence-failed'], 'only the spare\'s approval stands: one charge');
  assert.deepEqual(warned, []);
});

test('flow onError untold own – the backup\'s approval comes after onError relayed the spare\'s: reversed as it comes', async (t) => {
  const later = gate();
  t.after(later.open);
  const { terminal, reversed, reversedAt } = await flowOn(t, (message, context) => {
    // Not awaited: its answer is held until the terminal has the spare's approval.
    void (context.connectors.backup as Connector).request({ ...message.fields }, { signal: context.signal }).catch(() => undefined);
    return (context.connectors.spare as Connector).request({ ...message.fields }, { signal: context.signal });
  }, later.opened);
  const answer = (await within(terminal.request(purchase('000952')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.deepEqual([answer['39'], answer['38']], ['00', '333333']);
  assert.deepEqual(reversed, ['primary 000952 sequence-failed'], 'the backup has not answered yet');
  later.open();
  await within(reversedAt('backup'), 10_000, 'the backup\'s late approval reversed');
  assert.deepEqual(reversed.sort(), ['backup 000952 sequence-failed', 'primary 000952 sequence-failed']);
});

// onError's answer is judged and written as one snapshot (on-error-verdict.ts `judgeOnError`, reply-verdict.ts
// `answerSnapshot`). Before, the verdict judged the object onError returned and the endpoint packed that object once
// the reversals were stored: a field 38 set meanwhile (or a getter answering differently) told the terminal the
// backup's approval while it was the one being reversed, and the spare's, untold, stood.
for (const how of ['set after it was returned', 'a getter'] as const) {
  test(`flow onError untold own – onError's field 38 changes after its verdict (${how}): the terminal gets the approval kept`, async (t) => {
    const stored = gate();
    t.after(stored.open);
    let change: (() => void) | undefined;
    const { terminal, reversed, reversedAt } = await flowOn(t, async (message, context) => {
      const backup = (await (context.connectors.backup as Connector).request({ ...message.fields }, { signal: context.signal })) as IsoMessage;
      const answer = { ...((await (context.connectors.spare as Connector).request({ ...message.fields }, { signal: context.signal })) as IsoMessage) };
      let code = answer['38'];
      if (how === 'a getter') Object.defineProperty(answer, '38', { get: () => code, enumerable: true, configurable: true });
      change = () => {
        code = backup['38'];
        if (how !== 'a getter') answer['38'] = code;
      };
      return answer;
    }, undefined, stored.opened);
    const answered = terminal.request(purchase('000953'));
    // The verdict is made (the spare's approval told, the backup's reversed): its reversal's store is held.
    await within(reversedAt('backup'), 10_000, 'the backup\'s untold approval reversed');
    change?.();
    stored.open();
    const answer = (await within(answered, 10_000, 'the terminal answered')) as IsoMessage;
    assert.deepEqual([answer['39'], answer['38']], ['00', '333333'], 'the terminal was told the approval kept, not the one reversed');
    assert.deepEqual(reversed.sort(), ['backup 000953 sequence-failed', 'primary 000953 sequence-failed']);
  });
}
