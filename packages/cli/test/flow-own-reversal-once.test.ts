// A flow's sequence that reverses its own approval (it sends the 0400 itself, the bank accepts it) and then declines,
// or fails: the approval is undone already, so the book reverses nothing more (before: the bank got a second 0400, and
// the 0410 was logged and counted as "an approval ... not a reversible request, not reversed"). Real sockets and a
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

/** A bank approving everything (38 P00001), the 0400s it got, and a connector to it with reversal on (a file journal). */
async function countingBank(t: TestContext): Promise<{ bank: Connector; reversals: IsoMessage[] }> {
  const reversals: IsoMessage[] = [];
  const host = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    sequence: (m) => {
      if (m.mti === '0400') reversals.push(m.fields);
      return { ...m.fields, 0: responseMti(m.mti), 38: 'P00001', 39: '00' };
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
  return { bank, reversals };
}

/** The sequence's purchase at the bank, approved, then its own reversal of it (field 90 names it), accepted. */
async function approvedThenReversed(message: { fields: IsoMessage }, context: SequenceContext): Promise<IsoMessage> {
  const link = context.connectors.bank as Connector;
  const a = await link.request({ ...message.fields });
  const f = message.fields;
  const reversal = { 0: '0400', 2: f['2'], 3: f['3'], 4: f['4'], 7: a['7'], 11: a['11'], 41: f['41'], 49: f['49'], 90: `0200${String(a['11'])}${String(a['7'])}${'0'.repeat(22)}` } as IsoMessage;
  const undone = await link.request(reversal);
  assert.equal(undone['39'], '00');
  return a;
}

for (const { name, stan, fails } of [
  { name: 'then declines', stan: '000641', fails: false },
  { name: 'then fails (onError answers 96)', stan: '000642', fails: true },
]) {
  test(`flow approvals – a sequence that reverses its own approval ${name}: the bank gets one 0400`, async (t) => {
    const { bank, reversals } = await countingBank(t);
    const { book, approvals, lines, outcomes } = declineBook(bank, 10_000);
    const terminal = await posTerminal(t, {
      sequenceTimeout: 10_000,
      connectors: { bank },
      sequence: approvals.sequence(async (message, context) => {
        const a = await approvedThenReversed(message, context);
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
    assert.equal(reversals.length, 1, 'the sequence\'s own 0400 only');
  });
}
