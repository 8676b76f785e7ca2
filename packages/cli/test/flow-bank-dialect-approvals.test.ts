// A flow whose bank speaks a dialect with its own approval code (`Y1`, a dialect file's `approvalCodes`, no standard
// approval class) and whose terminals speak a standard one: a sequence that relays the bank's approving answer tells
// the terminal what the bank approved, so nothing is reversed (the book judges the reply's field 39 by the dialect of
// the upstream whose approval it relays), nor when the sequence fails after it and onError tells the terminal that
// approval (39 Y1). A reply that declines after that approval still reverses it, once.
// Real sockets: a bank endpoint answering Y1 behind a connector, the flow's inbound endpoint, a terminal's connector.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import type { Connector } from '@iso8583/connector';
import { createInboundEndpoint } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { gate, posTerminal, purchase } from './flow-approvals-bank.js';

const BANK_DIALECT = { name: 'bank-y1', extends: 'iso87ascii', approvalCodes: ['Y1'], approvalClass: [], fields: {} };

for (const { name, reply, reversed } of [
  { name: 'relays the bank\'s approving answer (39 Y1): nothing reversed', reply: (answer: IsoMessage) => answer, reversed: [] },
  { name: 'declines after the bank\'s approval (39 05): reversed once', reply: (answer: IsoMessage) => ({ ...answer, 39: '05' }), reversed: [{ stan: '000091', reason: 'reply-declined' }] },
]) {
  test(`flow approvals – a bank dialect approving with Y1, a standard POS dialect: a sequence that ${name}`, async (t) => {
    const { bank, approvals, handed } = await bankY1(t);
    const answered = gate();
    const terminal = await posTerminal(t, {
      sequenceTimeout: 10_000,
      connectors: { bank },
      sequence: approvals.sequence(async (message, context) => {
        const answer = await (context.connectors.bank as typeof bank).request({ ...message.fields });
        answered.open();
        return reply(answer);
      }),
      onLateResult: approvals.onLateResult,
    });
    const answer = await within(terminal.request(purchase('000091')), 10_000, 'the terminal answered');
    await within(answered.opened, 10_000, 'the bank answered');
    // Whatever the book still holds is given up now (as a stop does): a reversal held back would show here.
    await within(approvals.abandon(), 10_000, 'the book gave up what it still held');
    assert.equal(answer['39'], reply({ 39: 'Y1' })['39']);
    assert.deepEqual(handed, reversed);
  });
}

test('flow approvals – a bank dialect approving with Y1: a sequence that fails after the approval, onError telling the terminal Y1: nothing reversed', async (t) => {
  const { bank, approvals, handed } = await bankY1(t);
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      await (context.connectors.bank as typeof bank).request({ ...message.fields });
      throw new Error('the sequence failed after the approval');
    }),
    onError: approvals.onError((message) => ({ ...message.fields, 0: '0210', 39: 'Y1' })),
    onLateResult: approvals.onLateResult,
  });
  const answer = await within(terminal.request(purchase('000095')), 10_000, 'the terminal answered');
  assert.equal(answer['39'], 'Y1');
  await within(approvals.abandon(), 10_000, 'the book gave up what it still held');
  assert.deepEqual(handed, []);
});

/** A bank endpoint answering every request with 39 Y1 in the bank's dialect (a file), a connector to it, and a book. */
async function bankY1(t: TestContext): Promise<{ bank: Connector; approvals: UndeliveredApprovals; handed: { stan: unknown; reason: string }[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-mend55c-'));
  const file = join(dir, 'bank.json');
  writeFileSync(file, JSON.stringify(BANK_DIALECT));
  const dialect = resolveDialect(file);
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', dialect, sequence: (message) => ({ ...message.fields, 0: '0210', 39: 'Y1' }) });
  const { port } = await host.start();
  t.after(() => host.close());
  const bank = createConnector({ host: '127.0.0.1', port, dialect: file });
  t.after(() => bank.destroy());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const handed: { stan: unknown; reason: string }[] = [];
  const approvals = new UndeliveredApprovals((original, _answer, _upstream, reason) => {
    handed.push({ stan: original['11'], reason });
  });
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout: 10_000 });
  return { bank, approvals, handed };
}
