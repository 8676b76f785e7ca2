// Which approval onError's answer relays when several of its book share fields 39 and 38 (two banks answering the
// same approval code, a bank that gives every approval the same one): message-answers.ts `relaysApproval`. The one
// the terminal was told is picked by the answer's other fields (37 first); when they tell none apart, every candidate
// counts as told (none reversed for it) and ISO8583_WARN_FLOW_APPROVAL_AMBIGUOUS names them. Before, the first kept
// approval with that 39 and 38 counted as told: the sequence's approval at the bank the terminal's answer came from,
// repeated by onError there, was reversed as untold (the terminal told approved, the bank reversed). Real sockets:
// host simulators behind connectors (each answering 38 `123456`), the flow's endpoint and its approval book, a
// terminal's connector; a second message through the endpoint is the settle point, not a sleep.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import type { Connector } from '@iso8583/connector';
import type { Sequence } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { namedBank, posTerminal, purchase } from './flow-approvals-bank.js';

/** Every approval answered with the same authorization code. */
const sameCode = (answer: Record<string, unknown>): Record<string, unknown> => (answer['38'] === undefined ? answer : { ...answer, 38: '123456' });

/**
 * The primary and backup banks (both `sameCode`; the primary has answered one purchase already, so its retrieval
 * references, 37, differ from the backup's), a book recording each reversal and warning, and a terminal whose
 * sequence is approved by the backup and then fails; `onError` answers the terminal.
 */
async function flowOn(t: TestContext, onError: Sequence) {
  const primary = await namedBank(t, 'primary', sameCode);
  const backup = await namedBank(t, 'backup', sameCode);
  await within(primary.request(purchase('000900')), 10_000, 'the primary answered');
  const reversed: { upstream: string | undefined; stan: unknown; reason: string }[] = [];
  const warned: string[] = [];
  const approvals = new UndeliveredApprovals((original, _answer, upstream, reason) => {
    reversed.push({ upstream: upstream?.name, stan: original['11'], reason });
  }, { warn: (line) => warned.push(line) });
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout: 10_000 });
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { primary, backup },
    sequence: approvals.sequence(async (message, context) => {
      await (context.connectors.backup as Connector).request({ ...message.fields }, { signal: context.signal });
      throw new Error('loyalty down');
    }),
    onError: approvals.onError(onError),
    onLateResult: approvals.onLateResult,
  });
  return { terminal, reversed, warned };
}

/** onError asks the primary, then sends the sequence's purchase to the backup again (its duplicate check: the same answer). */
async function primaryThenBackup(fields: IsoMessage, connectors: Record<string, unknown>, signal: AbortSignal | undefined): Promise<IsoMessage> {
  const first = await (connectors.primary as Connector).request({ ...fields }, { signal });
  const again = await (connectors.backup as Connector).request({ ...fields }, { signal });
  assert.equal(first['38'], again['38'], 'both banks answer 123456');
  assert.notEqual(first['37'], again['37'], 'the retrieval references differ');
  return again;
}

test('flow told approval – onError relays the backup\'s repeat (its 37) after the primary answered the same 38: the backup\'s transaction is not reversed', async (t) => {
  const { terminal, reversed, warned } = await flowOn(t, (message, context) => primaryThenBackup(message.fields, context.connectors, context.signal));
  const answer = (await within(terminal.request(purchase('000901')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '00');
  await within(terminal.request(purchase('900901')), 10_000, 'the terminal answered');
  assert.deepEqual(reversed.filter((r) => r.stan === '000901' && r.upstream === 'backup'), [], 'the approval the terminal has is not reversed');
  // onError's own link's approval told (owner 'own'): its other approval, the primary's, untold, is reversed (one
  // charge, flow-on-error-untold-own.test.ts).
  assert.deepEqual(reversed.filter((r) => r.stan === '000901' && r.upstream === 'primary'), [{ upstream: 'primary', stan: '000901', reason: 'sequence-failed' }], 'the primary\'s untold approval is reversed');
  assert.deepEqual(warned, [], 'field 37 told the backup\'s apart');
});

test('flow told approval – onError\'s answer carries 39 and 38 only, shared by two approvals: none reversed, ISO8583_WARN_FLOW_APPROVAL_AMBIGUOUS', async (t) => {
  const { terminal, reversed, warned } = await flowOn(t, async (message, context) => {
    const again = await primaryThenBackup(message.fields, context.connectors, context.signal);
    return { ...message.fields, 0: '0210', 38: again['38'], 39: again['39'] };
  });
  const answer = (await within(terminal.request(purchase('000902')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '00');
  await within(terminal.request(purchase('900902')), 10_000, 'the terminal answered');
  assert.deepEqual(reversed.filter((r) => r.stan === '000902'), [], 'no guess: neither candidate is reversed');
  const mine = warned.filter((line) => line.includes(' STAN 000902 '));
  assert.equal(mine.length, 1, warned.join('\n'));
  assert.match(mine[0] as string, /^ISO8583_WARN_FLOW_APPROVAL_AMBIGUOUS: onError answered MTI 0200 STAN 000902 terminal TERM0001 .*\(primary STAN 000902, backup STAN 000902\)/);
  assert.doesNotMatch(mine[0] as string, /4111111111111111|411111/, 'no card data');
});
