// A flow's decline after the bank approved waits only for the reversal's store, or its hand-over to the send without
// SAF when the store is refused, never for the bank's answer to that send (docs/flows.md): here the SAF queue is full
// (`saf.maxEntries` 1, held by an advice not yet sent: ISO8583_ERR_CONNECTOR_SAF_FULL), so the reversal is sent once
// without SAF, and the bank holds that reversal's answer until the terminal has its decline (or 5 s). Before (the
// handler's promise settled at the bank's answer): the terminal's decline waited for the bank, which waited for it:
// the terminal got its 05 after the reversal was answered. Nothing is lost: the bank gets the reversal once, counted
// `reversed-without-saf`. Real sockets and a real file journal: the bank's endpoint, its connector, the flow's
// endpoint with the gateway's handler (late-approval.ts), a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { declineBook, gate, posTerminal, purchase } from './flow-approvals-bank.js';

test('flow approvals – a decline whose reversal the full SAF queue refuses waits for its hand-over, not the bank\'s answer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-decline-saf-full-'));
  const events: string[] = [];
  const terminalAnswered = gate();
  const simulator = createHostSimulator();
  const host = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    sequenceTimeout: 30_000,
    sequence: async (message, context) => {
      if (message.mti === '0400') {
        events.push('bank got the reversal');
        // The bank answers the reversal once the terminal has its answer, else after 5 s.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([terminalAnswered.opened, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5_000)))]);
        clearTimeout(timer);
        events.push('bank answers the reversal');
      }
      return simulator(message, context);
    },
  });
  const { port } = await host.start();
  t.after(() => host.destroy());
  // A SAF queue of one entry, held by an advice whose first attempt is far off: the reversal cannot be stored.
  const bank = createConnector({
    host: '127.0.0.1',
    port,
    requestTimeout: 20_000,
    reversal: { enabled: true },
    saf: { enabled: true, journalDir: dir, maxEntries: 1, initialDelay: 600_000 },
  });
  t.after(() => bank.destroy());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await bank.connect();
  await bank.request({ ...purchase('000201'), 0: '0220' }, { saf: true });
  assert.equal(bank.stats().safDepth, 1);
  const { book, approvals, lines, outcomes } = declineBook(bank, 10_000);
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      const answer = (await (context.connectors.bank as typeof bank).request({ ...message.fields })) as IsoMessage;
      return { ...answer, 39: '05' };
    }),
    onLateResult: approvals.onLateResult,
  });
  const answer = await within(terminal.request(purchase('000202')), 10_000, 'the terminal answered');
  events.push(`terminal got ${String(answer['39'])}`);
  terminalAnswered.open();
  await within(book.settled(), 10_000, 'the reversal sent without SAF to be answered');
  assert.deepEqual(events, ['bank got the reversal', 'terminal got 05', 'bank answers the reversal']);
  assert.deepEqual(await outcomes(), ['reply-declined/reversed-without-saf=1'], 'reversed once, without SAF');
  assert.ok(lines.some((l) => l.code === 'ISO8583_ERR_CONNECTOR_SAF_FULL' && String(l.msg).includes('sending it once without SAF')), 'the refused store is logged with its code');
  assert.equal(book.notReversed(), 0);
  assert.equal(bank.stats().safDepth, 1, 'the reversal was not stored (the advice alone)');
});
