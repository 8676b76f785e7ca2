// A flow's network management answers and inquiries are not approvals: a sequence that sends an echo test (0800,
// answered 0810 00) and a purchase, then fails, reverses the purchase and counts nothing for the echo (it was counted
// `not-reversible`, an undelivered approval, and logged as one); a balance inquiry (processing code 31) answered 00 and
// then a decline to the terminal reverses nothing (no money moved). Real sockets: the host simulator behind a
// connector, the flow's inbound endpoint and its approval book with the gateway's one handler, a terminal's connector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { undeliveredApproval } from '../src/gateway/late-approval.js';
import { posTerminal, purchase } from './flow-approvals-bank.js';

test('flow approvals – an echo test answered 00 in a sequence that fails is not counted as an undelivered approval', async (t) => {
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator() });
  const { port } = await host.start();
  t.after(() => host.close());
  const bank = createConnector({ host: '127.0.0.1', port });
  t.after(() => bank.destroy());
  const registry = new Registry();
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  const approvals = new UndeliveredApprovals(undeliveredApproval({ connector: bank, logger, registry }));
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout: 10_000 });
  const answers: unknown[] = [];
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      const link = context.connectors.bank as typeof bank;
      const echo = await link.request({ 0: '0800', 7: '1204043000', 11: '000071', 70: '301' });
      answers.push(echo['0'], echo['39']);
      const paid = await link.request({ ...message.fields });
      answers.push(paid['0'], paid['39']);
      throw new Error('the sequence failed after the echo and the approval');
    }),
    onLateResult: approvals.onLateResult,
  });
  const answer = (await within(terminal.request(purchase('000072')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '96', 'no onError: the terminal got a 96');
  assert.deepEqual(answers, ['0810', '00', '0210', '00']);
  const counted = (await registry.getSingleMetric('iso8583_gateway_undelivered_approvals_total')?.get())?.values.map((v) => `${String(v.labels.reason)}/${String(v.labels.outcome)}=${v.value}`);
  // The purchase's approval is the one undelivered approval (the bank connector's reversal is off); the echo is none.
  assert.deepEqual(counted, ['sequence-failed/reversal-off=1']);
  assert.equal(lines.filter((l) => l.includes('not a reversible request')).length, 0, lines.join(''));
});

test('flow approvals – a balance inquiry answered 00, then a decline to the terminal: no money moved, nothing counted or reversed', async (t) => {
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator() });
  const { port } = await host.start();
  t.after(() => host.close());
  const bank = createConnector({ host: '127.0.0.1', port });
  t.after(() => bank.destroy());
  const registry = new Registry();
  const approvals = new UndeliveredApprovals(undeliveredApproval({ connector: bank, logger: pino({ level: 'silent' }), registry }));
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout: 10_000 });
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      // The balance first (processing code 31: an inquiry), then the terminal is told no (say, not enough funds).
      const balance = await (context.connectors.bank as typeof bank).request({ ...message.fields, 3: '310000', 4: '000000000000' });
      return { ...balance, 3: message.fields['3'], 39: '51' };
    }),
    onLateResult: approvals.onLateResult,
  });
  const answer = (await within(terminal.request(purchase('000073')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '51');
  await within(approvals.abandon(), 10_000, 'the book gave up what it still held');
  const counted = (await registry.getSingleMetric('iso8583_gateway_undelivered_approvals_total')?.get())?.values ?? [];
  assert.deepEqual(counted, [], 'the inquiry\'s 00 is no approval to reverse');
});

test('late approval – the gateway\'s handler leaves an inquiry\'s 00 alone (processing code 3x), as an echo\'s', async (t) => {
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator() });
  const { port } = await host.start();
  t.after(() => host.close());
  const bank = createConnector({ host: '127.0.0.1', port });
  t.after(() => bank.destroy());
  const registry = new Registry();
  const handle = undeliveredApproval({ connector: bank, logger: pino({ level: 'silent' }), registry });
  const inquiry = { ...purchase('000074'), 3: '310000' };
  await handle(inquiry, { ...inquiry, 0: '0210', 39: '00' }, bank, 'client-gone', 'pos');
  const paid = purchase('000075');
  await handle(paid, { ...paid, 0: '0210', 39: '00' }, bank, 'client-gone', 'pos');
  const counted = (await registry.getSingleMetric('iso8583_gateway_undelivered_approvals_total')?.get())?.values.map((v) => `${String(v.labels.reason)}/${String(v.labels.outcome)}=${v.value}`);
  assert.deepEqual(counted, ['client-gone/reversal-off=1'], 'the purchase only');
});
