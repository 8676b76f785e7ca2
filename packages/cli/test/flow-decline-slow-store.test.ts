// A flow's decline after the bank approved waits for the reversal's store, but no longer than the message's
// `sequenceTimeout` allows: a store slower than that (here the file journal's write of the reversal held by a gate) no
// longer makes the endpoint time the message out. Before: the terminal got the endpoint's timeout answer (a 96), or
// onError's (a stand-in approval `00`: told approved while its approval was being reversed). Now: the terminal gets
// the sequence's decline just before the deadline, the line `ISO8583_WARN_FLOW_DECLINE_UNSTORED` says its reversal
// was not stored yet, and the reversal is stored all the same once the write goes through. Real sockets, a real file
// journal whose reversal write is held, the gateway's handler (late-approval.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { Sequence } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { declineBook, gate, posTerminal, purchase } from './flow-approvals-bank.js';
import { holdWrites } from './flow-held-writes.js';

/** A stand-in onError: it approves whatever failed (a flow that approves offline when its bank is late). */
const standIn: Sequence = (message) => ({ ...message.fields, 0: '0210', 39: '00' });

for (const withOnError of [false, true]) {
  test(`flow approvals – a decline whose reversal's store is slow is written before the sequence timeout${withOnError ? ' (a stand-in onError)' : ''}`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-decline-slow-store-'));
    const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator() });
    const { port } = await host.start();
    t.after(() => host.destroy());
    // Opened first when the test ends (hooks run in the order they were added): the bank's close waits for its writes.
    const released = gate();
    t.after(() => released.open());
    const bank = createConnector({ host: '127.0.0.1', port, requestTimeout: 20_000, reversal: { enabled: true, journalDir: join(dir, 'journal') } });
    t.after(() => bank.destroy());
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    await bank.connect();
    // Armed once the bank approved: the connector journals each purchase's own reversal before it sends it.
    const held = await holdWrites(t, dir, '"0":"0400"', released.opened);
    // Room for the bank's approval on a busy machine; the wait for the held store ends 250 ms before it.
    const sequenceTimeout = 3_000;
    const { book, approvals, lines, logger, outcomes } = declineBook(bank, sequenceTimeout);
    const terminal = await posTerminal(t, {
      sequenceTimeout,
      logger,
      connectors: { bank },
      sequence: approvals.sequence(async (message, context) => {
        const answer = (await (context.connectors.bank as typeof bank).request({ ...message.fields })) as IsoMessage;
        held.arm();
        return { ...answer, 39: '05' };
      }),
      ...(withOnError ? { onError: approvals.onError(standIn) } : {}),
      onLateResult: approvals.onLateResult,
    });
    const answer = await within(terminal.request(purchase('000301')), 10_000, 'the terminal answered');
    await within(held.started, 1_000, 'the reversal\'s journal write to have started');
    assert.equal(answer['39'], '05', 'the terminal gets the sequence\'s decline');
    const warned = lines.filter((l) => l.code === 'ISO8583_WARN_FLOW_DECLINE_UNSTORED');
    assert.equal(warned.length, 1, 'the decline written before its reversal was stored is logged');
    assert.equal(JSON.stringify(warned[0]).includes('4111111111111111'), false, 'no card number in the line');
    released.open();
    await within(book.settled(), 10_000, 'the reversal to be stored');
    assert.deepEqual(await outcomes(), ['reply-declined/reversed=1'], 'the reversal is stored all the same');
    assert.ok(readFileSync(join(dir, 'journal', 'reversals.jsonl'), 'utf8').includes('"0":"0400"'), 'in the journal file');
  });
}
