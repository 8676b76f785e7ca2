// A flow's sequence that got an approval and then failed in time keeps its approvals for onError to judge; when onError
// is never called for the message, the terminal never gets an approval, so they are reversed once, `sequenceTimeout`
// after the failure, and nothing is kept for the message. The endpoint calls onError as soon as it sees a sequence
// fail, whatever its logger does and whatever was thrown (packages/inbound: throwing-logger, unreadable-failure
// tests), and no other path (the client gone, the endpoint closing or destroyed) skips it: this timer is a safety net
// that no endpoint path reaches today. So the test plays the endpoint's part itself: it calls the wrapped sequence as
// the endpoint would (a context with its message id, connectors and signal), sees it fail, and never calls the wrapped
// onError until after the reversal. Real sockets for the bank: the host simulator behind a connector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { createCodec, toXml } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { InboundMessage, SequenceContext } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { purchase } from './flow-approvals-bank.js';

/** The message as an endpoint hands it to its sequence. */
function received(fields: IsoMessage): InboundMessage {
  return { fields, xml: toXml(fields), raw: createCodec('iso87ascii').pack(fields), header: Buffer.alloc(0), mti: String(fields['0']) };
}

test('flow approvals – a failed sequence whose onError is never called: its approval is reversed once, at the sequence timeout', async (t) => {
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator() });
  const { port: hostPort } = await host.start();
  t.after(() => host.close());
  const bank = createConnector({ host: '127.0.0.1', port: hostPort });
  t.after(() => bank.destroy());
  const reversed: { stan: unknown; reason: string; at: number }[] = [];
  let told: () => void = () => undefined;
  const once = new Promise<void>((resolve) => (told = resolve));
  const approvals = new UndeliveredApprovals((original, _answer, _upstream, reason) => {
    reversed.push({ stan: original['11'], reason, at: performance.now() });
    told();
  });
  const sequenceTimeout = 300;
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout });
  let onErrorCalls = 0;
  let approval: unknown;
  // Taken right before the throw: the approvals' timer starts after it. Taken after the await below it could come a few
  // milliseconds late on a busy machine (the check once saw 290 ms).
  let failedAt = 0;
  const sequence = approvals.sequence(async (message, context) => {
    approval = (await (context.connectors.bank as typeof bank).request({ ...message.fields }))['39'];
    failedAt = performance.now();
    throw new Error('the sequence failed after the bank approved');
  });
  // As the flow runner does: the endpoint has an onError (the approvals wait for its judgement).
  const onError = approvals.onError(() => {
    onErrorCalls += 1;
    return undefined;
  });
  const context: SequenceContext = {
    endpoint: 'flow',
    remoteAddress: '127.0.0.1',
    remotePort: 40000,
    messageId: 'flow-1',
    logger: pino({ level: 'silent' }),
    connectors: { bank },
    signal: new AbortController().signal,
  };
  const message = received(purchase('000061'));
  // The endpoint's part: the sequence is called, its failure seen (its approvals are kept for onError), onError is not called.
  const failure = await within(Promise.resolve(sequence(message, context)).then(() => undefined, (err: unknown) => err), 10_000, 'the sequence to fail');
  assert.match(String((failure as Error).message), /after the bank approved/);
  assert.equal(approval, '00', 'the bank approved');
  assert.equal(reversed.length, 0, 'kept for onError, not reversed at the failure');
  await within(once, 10_000, 'the approval reversed');
  assert.deepEqual(reversed.map(({ stan, reason }) => ({ stan, reason })), [{ stan: '000061', reason: 'sequence-failed' }]);
  // A timer may fire a fraction of a millisecond early against performance.now().
  assert.ok(reversed[0]!.at - failedAt >= sequenceTimeout - 2, `reversed ${Math.round(reversed[0]!.at - failedAt)} ms after the failure`);
  // An onError called after all (it is not, by any endpoint path today) reverses nothing again.
  await onError(message, { ...context, error: failure as never });
  assert.equal(onErrorCalls, 1);
  assert.equal(reversed.length, 1, 'reversed once');
});
