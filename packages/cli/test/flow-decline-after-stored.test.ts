// A flow's sequence that declines its terminal after the bank approved (reason `reply-declined`): the decline is written
// only once the approval's reversal is stored (the handler's promise settled), so that a crash between the two never
// leaves the terminal declined and the bank's approval standing with nothing to reverse it. The handler's store ends
// when the terminal has its answer (the order without the wait) or after a deadline (the order with it): the events'
// order says which came first. Real sockets: the host simulator behind a connector, the flow's endpoint, a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { gate, posTerminal, purchase } from './flow-approvals-bank.js';

test('flow approvals – a decline after the bank approved is written to the terminal once its reversal is stored', async (t) => {
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator() });
  const { port } = await host.start();
  t.after(() => host.close());
  const bank = createConnector({ host: '127.0.0.1', port });
  t.after(() => bank.destroy());
  const events: string[] = [];
  const terminalAnswered = gate();
  const approvals = new UndeliveredApprovals(async (_original, _answer, _upstream, reason) => {
    events.push(`reversal ${reason}`);
    // The store: done when the terminal has its answer, else after 1 s (the decline waits for it).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([terminalAnswered.opened, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000)))]);
    clearTimeout(timer);
    events.push('reversal stored');
  });
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout: 10_000 });
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      const answer = await (context.connectors.bank as typeof bank).request({ ...message.fields });
      return { ...answer, 39: '05' };
    }),
    onLateResult: approvals.onLateResult,
  });
  const answer = await within(terminal.request(purchase('000092')), 10_000, 'the terminal answered');
  events.push(`terminal got ${String(answer['39'])}`);
  terminalAnswered.open();
  await within(approvals.abandon(), 10_000, 'the book gave up what it still held');
  assert.deepEqual(events, ['reversal reply-declined', 'reversal stored', 'terminal got 05']);
});
