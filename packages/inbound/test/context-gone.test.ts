// `context.gone`: aborted when the message's connection closes before the message is answered (the client left), with
// an `ISO8583_ERR_INBOUND_CLIENT_GONE` reason marked client-gone (the registered symbol the connector reads: a request
// still unwritten is dropped, one written is awaited). One signal per connection, shared by its messages.
// `allowHalfOpen: false`: a client's FIN closes the connection (with it on, a half-closed client still waits for its
// answers: not gone). A real endpoint and real client sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';

test('context.gone – aborted, marked client-gone, when the client leaves before its answer; one signal per connection', async (t) => {
  const asked = gate<void>();
  const aborted = gate<unknown>();
  const answered: AbortSignal[] = [];
  let context2: AbortSignal | undefined;
  const sequence: Sequence = async (m, context) => {
    const gone = context.gone as AbortSignal;
    if (m.fields['11'] === '000001') {
      answered.push(gone);
      return { 0: '0210', 11: '000001', 39: '00' };
    }
    context2 = gone;
    gone.addEventListener('abort', () => aborted.open(gone.reason));
    asked.open();
    // Never answered: its client leaves first.
    return new Promise(() => undefined);
  };
  const { port } = await startEndpoint(t, { sequence, sequenceTimeout: 60_000, allowHalfOpen: false });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await within(client.request(purchase(1)), 5_000, 'no reply to STAN 1')).fields['39'], '00');
  client.send(purchase(2));
  await within(asked.promise, 5_000, 'the second message did not reach its sequence');
  client.destroy();
  const reason = await within(aborted.promise, 5_000, 'context.gone was not aborted when the client left');
  assert.equal((reason as { code?: string }).code, 'ISO8583_ERR_INBOUND_CLIENT_GONE');
  assert.equal((reason as Record<symbol, unknown>)[Symbol.for('@iso8583/client-gone')], true, 'the reason is marked client-gone');
  assert.equal(answered[0], context2, 'the messages of one connection share its signal');
});

test('context.gone – first read after the connection closed: already aborted, marked client-gone', async (t) => {
  const arrived = gate<void>();
  const disconnected = gate<void>();
  const read = gate<{ aborted: boolean; reason: unknown }>();
  const sequence: Sequence = async (_m, context) => {
    arrived.open();
    await disconnected.promise;
    // Read for the first time only now, after the endpoint has seen the connection close.
    const gone = context.gone as AbortSignal;
    read.open({ aborted: gone.aborted, reason: gone.reason });
    return null;
  };
  const { endpoint, port } = await startEndpoint(t, { sequence, sequenceTimeout: 60_000, allowHalfOpen: false });
  endpoint.on('disconnect', () => disconnected.open());
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(3));
  await within(arrived.promise, 5_000, 'the message did not reach its sequence');
  client.destroy();
  const seen = await within(read.promise, 5_000, 'the sequence never read context.gone');
  assert.equal(seen.aborted, true, 'aborted at the first read');
  assert.equal((seen.reason as Record<symbol, unknown> | undefined)?.[Symbol.for('@iso8583/client-gone')], true);
});
