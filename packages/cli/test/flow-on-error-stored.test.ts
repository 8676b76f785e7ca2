// onError's verdict reversals are stored before its answer is written (on-error-verdict.ts `judgeOnError`): a
// sequence approved at the bank fails in time, and onError declines (the sequence's approval reversed, the terminal
// told 05) or relays its backup link's approval (the sequence's reversed, the terminal told 00); without onError, the
// endpoint's 96 waits alike (undelivered-approvals.ts `sequence`). Before, the answer
// went at once while the reversal's journal write was still under way: a crash then left the approval standing with
// no reversal stored, the terminal told otherwise. Real sockets, a real file journal whose reversal write is held by a
// gate, the gateway's handler (late-approval.ts); a second message answered meanwhile is the settle point, not a sleep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import type { Connector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { Sequence } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { declineBook, gate, namedBank, posTerminal, purchase } from './flow-approvals-bank.js';
import { holdWrites } from './flow-held-writes.js';

/** onError's answers: a decline, and its backup link's approval relayed; and no onError (the endpoint's own 96). */
const answers: Record<'decline' | 'backup' | 'none', { onError: Sequence | undefined; code: string; what: string }> = {
  decline: { onError: (message) => ({ ...message.fields, 0: '0210', 39: '05' }), code: '05', what: 'onError\'s decline' },
  backup: { onError: (message, context) => (context.connectors.backup as Connector).request({ ...message.fields }, { signal: context.signal }), code: '00', what: 'onError\'s backup' },
  none: { onError: undefined, code: '96', what: 'the 96 without onError' },
};

for (const { onError, code, what } of Object.values(answers)) {
  test(`flow onError stored – ${what} is written once the reversal of the sequence's approval is stored`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-on-error-stored-'));
    const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator() });
    const { port } = await host.start();
    t.after(() => host.destroy());
    // Opened first when the test ends (hooks run in the order they were added): the bank's close waits for its writes.
    const released = gate();
    t.after(() => released.open());
    const bank = createConnector({ host: '127.0.0.1', port, name: 'primary', requestTimeout: 20_000, reversal: { enabled: true, journalDir: join(dir, 'journal') } });
    t.after(() => bank.destroy());
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    await bank.connect();
    const backup = await namedBank(t, 'backup');
    // Armed once the bank approved: the connector journals each purchase's own reversal before it sends it.
    const held = await holdWrites(t, dir, '"0":"0400"', released.opened);
    const { book, approvals, lines, logger, outcomes } = declineBook(bank, 20_000);
    const terminal = await posTerminal(t, {
      sequenceTimeout: 20_000,
      logger,
      connectors: { bank, backup },
      sequence: approvals.sequence(async (message, context) => {
        if (String(message.fields['11']).startsWith('9')) return { ...message.fields, 0: '0210', 39: '00' };
        await (context.connectors.bank as Connector).request({ ...message.fields }, { signal: context.signal });
        held.arm();
        throw new Error('loyalty down');
      }),
      ...(onError === undefined ? {} : { onError: approvals.onError(onError) }),
      onLateResult: approvals.onLateResult,
    });
    let answered = false;
    const first = terminal.request(purchase('000311')).then((answer: IsoMessage) => {
      answered = true;
      return answer;
    });
    await within(held.started, 10_000, 'the reversal\'s journal write to have started');
    await within(terminal.request(purchase('900311')), 10_000, 'the second message answered');
    assert.equal(answered, false, 'onError\'s answer waits for the reversal it causes to be stored');
    released.open();
    assert.equal((await within(first, 10_000, 'the terminal answered'))['39'], code);
    await within(book.settled(), 10_000, 'the reversal to be stored');
    assert.deepEqual(await outcomes(), ['sequence-failed/reversed=1']);
    assert.ok(readFileSync(join(dir, 'journal', 'reversals.jsonl'), 'utf8').includes('"0":"0400"'), 'in the journal file');
    assert.deepEqual(lines.filter((l) => l.code === 'ISO8583_WARN_FLOW_DECLINE_UNSTORED'), [], 'stored within the deadline');
  });
}
