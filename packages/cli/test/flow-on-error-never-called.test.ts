// A flow's sequence that got an approval and then failed in time keeps its approvals for onError to judge; when the
// endpoint never calls onError (it failed before: here, its logger throws as it logs the failure), the terminal never
// gets an approval, so they are reversed once, `sequenceTimeout` after the failure, and nothing is kept for the
// message. Real sockets: the host simulator behind a connector, the flow's inbound endpoint, a terminal's connector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';

/** A purchase of 10.00 with a test card number. */
function purchase(stan: string): IsoMessage {
  return { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: stan, 12: '043000', 13: '1204', 41: 'TERM0001', 49: '840' };
}

test('flow approvals – a failed sequence whose onError is never called: its approval is reversed once, at the sequence timeout', async (t) => {
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator() });
  const { port: hostPort } = await host.start();
  t.after(() => host.close());
  const bank = createConnector({ host: '127.0.0.1', port: hostPort });
  t.after(() => bank.destroy());
  const reversed: { stan: unknown; reason: string }[] = [];
  let told: () => void = () => undefined;
  const once = new Promise<void>((resolve) => (told = resolve));
  const approvals = new UndeliveredApprovals((original, _answer, _upstream, reason) => {
    reversed.push({ stan: original['11'], reason });
    told();
  });
  const sequenceTimeout = 300;
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout });
  let onErrorCalls = 0;
  // Its warn lines throw: the endpoint fails as it logs the sequence's failure, before it calls onError.
  const logger = pino({ level: 'warn', hooks: { logMethod(args, method, level) { if (level === 40) throw new Error('the log is down'); return method.apply(this, args); } } }, { write: () => undefined });
  const endpoint = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    logger,
    sequenceTimeout,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      await (context.connectors.bank as typeof bank).request({ ...message.fields });
      throw new Error('the sequence failed after the bank approved');
    }),
    onError: approvals.onError(() => {
      onErrorCalls += 1;
      return undefined;
    }),
    onLateResult: approvals.onLateResult,
  });
  const { port } = await endpoint.start();
  t.after(() => endpoint.close());
  const terminal = createConnector({ host: '127.0.0.1', port, requestTimeout: 60_000 });
  t.after(() => terminal.destroy());
  // The terminal gets no answer (the endpoint failed before any): not awaited.
  terminal.request(purchase('000061')).catch(() => undefined);
  await within(once, 10_000, 'the approval reversed');
  assert.deepEqual(reversed, [{ stan: '000061', reason: 'sequence-failed' }]);
  assert.equal(onErrorCalls, 0, 'onError was never called');
});
