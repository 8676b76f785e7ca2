// A flow's sequence that reverses its own approval (it sends the 0400 itself, with a STAN of its own: field 90 names the
// approval, the bank accepts it) and then declines, or fails: the approval is undone already, so the book reverses
// nothing more (before: the bank got a second 0400, and the 0410 was logged and counted as "an approval ... not a
// reversible request, not reversed"); so too for a 0400 written with a numeric MTI (400). A reversal the bank declines,
// or a partial one (field 95: an amount stays), leaves the approval to be reversed once; of two approvals under one STAN
// and terminal (a 0100, then a 0200), the one field 90 names (its MTI) is taken as undone, the other is reversed. A
// purchase written with a numeric MTI (200) and then declined is reversed (it was counted not-reversible). Real sockets and a
// real file journal: a bank endpoint counting the 0400s it gets, its connector with reversal on, the flow's endpoint
// with the gateway's handler of undelivered approvals (late-approval.ts), a terminal.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal, createConnector } from '@iso8583/connector';
import type { Connector } from '@iso8583/connector';
import { createInboundEndpoint, responseMti } from '@iso8583/inbound';
import type { SequenceContext } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { declineBook, posTerminal, purchase } from './flow-approvals-bank.js';

/** The STAN of the sequence's own reversals: not the original's, so that field 90 alone names the original. */
const OWN_STAN = '777001';

/**
 * A bank approving everything (38 P00001) but a 0400 whose STAN is `declined` (answered 05), the 0400s it got, `got(n)`
 * (resolves once it got n 0400s that are not the sequence's own, STAN {@link OWN_STAN}), and a connector to it with
 * reversal on (a file journal).
 */
async function countingBank(t: TestContext, declined?: string): Promise<{ bank: Connector; reversals: IsoMessage[]; got: (n: number) => Promise<void> }> {
  const reversals: IsoMessage[] = [];
  const handlers = (): IsoMessage[] => reversals.filter((r) => r['11'] !== OWN_STAN);
  const waiters: { n: number; open: () => void }[] = [];
  const host = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    sequence: (m) => {
      if (m.mti === '0400') {
        reversals.push(m.fields);
        for (const w of waiters) if (handlers().length >= w.n) w.open();
      }
      return { ...m.fields, 0: responseMti(m.mti), 38: 'P00001', 39: m.mti === '0400' && m.fields['11'] === declined ? '05' : '00' };
    },
  });
  const { port } = await host.start();
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-own-reversal-'));
  const bank = createConnector({ host: '127.0.0.1', port, reversal: { enabled: true, journal: new FileJournal(dir) } });
  t.after(async () => {
    await bank.destroy();
    await host.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const got = (n: number): Promise<void> =>
    handlers().length >= n ? Promise.resolve() : new Promise<void>((open) => waiters.push({ n, open }));
  return { bank, reversals, got };
}

/** How the sequence's own reversal is written. */
interface OwnReversal {
  /** Its field 0 (default `'0400'`). */
  readonly mti?: string | number;
  /** Field 95 (a partial reversal: the amount that stays), none by default. */
  readonly replacement?: string;
  /** Send a 0100 (same STAN and terminal) before the purchase, approved too, and keep it. */
  readonly authorizationFirst?: boolean;
  /** The field 39 the bank gives the reversal (default `'00'`). */
  readonly answered?: string;
}

/** The sequence's own reversal of the approval `a` to `f` (field 90 names it, field 11 is {@link OWN_STAN}). */
function ownReversalOf(f: IsoMessage, a: IsoMessage, how: OwnReversal): IsoMessage {
  return {
    0: how.mti ?? '0400', 2: f['2'], 3: f['3'], 4: f['4'], 7: a['7'], 11: OWN_STAN, 41: f['41'], 49: f['49'],
    90: `0200${String(a['11'])}${String(a['7'])}${'0'.repeat(22)}`,
    ...(how.replacement === undefined ? {} : { 95: how.replacement }),
  } as IsoMessage;
}

/**
 * The sequence's purchase at the bank, approved, then its own reversal of it (field 90 names it, field 11 is a STAN of
 * its own), answered as `how.answered` says.
 */
async function approvedThenReversed(message: { fields: IsoMessage }, context: SequenceContext, how: OwnReversal = {}): Promise<IsoMessage> {
  const link = context.connectors.bank as Connector;
  if (how.authorizationFirst === true) assert.equal((await link.request({ ...message.fields, 0: '0100' }))['39'], '00');
  const a = await link.request({ ...message.fields });
  const undone = await link.request(ownReversalOf(message.fields, a, how));
  assert.equal(undone['39'], how.answered ?? '00');
  return a;
}

for (const { name, stan, fails, mti } of [
  { name: 'then declines', stan: '000641', fails: false, mti: '0400' },
  { name: 'then fails (onError answers 96)', stan: '000642', fails: true, mti: '0400' },
  { name: 'written with a numeric MTI (400), then declines', stan: '000643', fails: false, mti: 400 },
]) {
  test(`flow approvals – a sequence that reverses its own approval ${name}: the bank gets one 0400`, async (t) => {
    const { bank, reversals } = await countingBank(t);
    const { book, approvals, lines, outcomes } = declineBook(bank, 10_000);
    const terminal = await posTerminal(t, {
      sequenceTimeout: 10_000,
      connectors: { bank },
      sequence: approvals.sequence(async (message, context) => {
        const a = await approvedThenReversed(message, context, { mti });
        if (fails) throw new Error('loyalty down');
        return { ...a, 39: '05' };
      }),
      onError: approvals.onError((message) => ({ ...message.fields, 0: '0210', 39: '96' })),
      onLateResult: approvals.onLateResult,
    });
    const answer = (await within(terminal.request(purchase(stan)), 10_000, 'the terminal answered')) as IsoMessage;
    assert.equal(answer['39'], fails ? '96' : '05');
    await within(approvals.abandon(), 10_000, 'the book gave up what it still held');
    await within(book.settled(), 10_000, 'the handler settled');
    // Nothing handed to the handler: no reversal stored for a second 0400, no line of an approval not reversed.
    assert.deepEqual(await outcomes(), []);
    assert.deepEqual(lines.map((l) => l.msg), []);
    assert.deepEqual(reversals.map((r) => r['11']), [OWN_STAN], 'the sequence\'s own 0400 only');
  });
}

const standing: readonly { name: string; stan: string; how: OwnReversal; reversed: string }[] = [
  { name: 'declined by the bank', stan: '000651', how: { answered: '05' }, reversed: '0200' },
  { name: 'partial (field 95: 6.00 stays)', stan: '000652', how: { replacement: `000000000600${'0'.repeat(30)}` }, reversed: '0200' },
  { name: 'naming the 0200 of a 0100 and a 0200 under one STAN', stan: '000653', how: { authorizationFirst: true }, reversed: '0100' },
];
for (const { name, stan, how, reversed } of standing) {
  test(`flow approvals – a sequence's own reversal ${name}, then a decline: the approval still standing is reversed once`, async (t) => {
    const { bank, reversals, got } = await countingBank(t, how.answered === undefined ? undefined : OWN_STAN);
    const { book, approvals, outcomes } = declineBook(bank, 10_000);
    const terminal = await posTerminal(t, {
      sequenceTimeout: 10_000,
      connectors: { bank },
      sequence: approvals.sequence(async (message, context) => ({ ...(await approvedThenReversed(message, context, how)), 39: '05' })),
      onLateResult: approvals.onLateResult,
    });
    const answer = (await within(terminal.request(purchase(stan)), 10_000, 'the terminal answered')) as IsoMessage;
    assert.equal(answer['39'], '05');
    await within(got(1), 10_000, 'the approval still standing was never reversed');
    await within(approvals.abandon(), 10_000, 'the book gave up what it still held');
    await within(book.settled(), 10_000, 'the handler settled');
    assert.deepEqual(await outcomes(), ['reply-declined/reversed=1']);
    // One reversal besides the sequence's own, naming the approval that still stands: its STAN, and its MTI (90's first 4).
    const handed = reversals.filter((r) => r['11'] !== OWN_STAN);
    assert.deepEqual(handed.map((r) => String(r['90']).slice(0, 10)), [`${reversed}${stan}`]);
  });
}

test('flow approvals – onError that reverses the failed sequence\'s approval itself, then declines: the bank gets one 0400', async (t) => {
  const { bank, reversals } = await countingBank(t);
  const { book, approvals, lines, outcomes } = declineBook(bank, 10_000);
  let approved: IsoMessage | undefined;
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      approved = await (context.connectors.bank as Connector).request({ ...message.fields });
      throw new Error('loyalty down');
    }),
    onError: approvals.onError(async (message, context) => {
      const undone = await (context.connectors.bank as Connector).request(ownReversalOf(message.fields, approved as IsoMessage, {}));
      assert.equal(undone['39'], '00');
      return { ...message.fields, 0: '0210', 39: '05' };
    }),
    onLateResult: approvals.onLateResult,
  });
  const answer = (await within(terminal.request(purchase('000661')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '05');
  await within(approvals.abandon(), 10_000, 'the book gave up what it still held');
  await within(book.settled(), 10_000, 'the handler settled');
  assert.deepEqual(await outcomes(), []);
  assert.deepEqual(lines.map((l) => l.msg), []);
  assert.deepEqual(reversals.map((r) => r['11']), [OWN_STAN], 'onError\'s own 0400 only');
});

test('flow approvals – a purchase the sequence wrote with a numeric MTI (200), then a decline: its approval is reversed once', async (t) => {
  const { bank, reversals, got } = await countingBank(t);
  const { book, approvals, outcomes } = declineBook(bank, 10_000);
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => ({ ...(await (context.connectors.bank as Connector).request({ ...message.fields, 0: 200 })), 39: '05' })),
    onLateResult: approvals.onLateResult,
  });
  const answer = (await within(terminal.request(purchase('000671')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '05');
  await within(book.settled(), 10_000, 'the handler settled');
  // Before: `String(200)` is no reversible MTI: counted not-reversible, the cardholder charged for a declined purchase.
  assert.deepEqual(await outcomes(), ['reply-declined/reversed=1']);
  await within(got(1), 10_000, 'the approval was never reversed');
  assert.deepEqual(reversals.map((r) => String(r['90']).slice(0, 10)), ['0200000671']);
});
