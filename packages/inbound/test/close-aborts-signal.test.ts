// A close that gives up on the sequences still running (its deadline passed, or destroy()) aborts their
// `context.signal` with ISO8583_ERR_INBOUND_CLOSED, so that what they started with it (a connector request, a timer)
// stops. Before, the signal stayed live: a sequence's timer kept the closed endpoint's process alive to its end. A
// signal aborted before (a sequenceTimeout) keeps its reason, and `context.gone` keeps the client-gone one. Real
// sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { Iso8583Error } from '@iso8583/codec';
import type { Sequence, SequenceContext } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';

/** A sequence that settles only when its `signal` aborts (rejecting with the reason), handing its context to `seen`. */
function untilAborted(seen: (context: SequenceContext) => void): Sequence {
  return (_m, context) => new Promise((_resolve, reject) => {
    seen(context);
    const signal = context.signal!;
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

const codeOf = (reason: unknown): string | undefined => (reason as Partial<Iso8583Error> | undefined)?.code;

test('close – at its deadline, the signal of a sequence still running is aborted with ISO8583_ERR_INBOUND_CLOSED', async (t) => {
  const logs = captureLogs('debug');
  const started = gate<SequenceContext>();
  const { endpoint, port } = await startEndpoint(t, { sequence: untilAborted((c) => started.open(c)), logger: logs.logger, onLateResult: () => undefined });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  const context = await within(started.promise, 10_000, 'the sequence did not start');
  await within(endpoint.close({ deadline: 100 }), 10_000, 'close() did not end at its deadline');
  assert.equal(context.signal?.aborted, true, 'the close gave up on the sequence: its signal aborted');
  const reason = context.signal?.reason as Iso8583Error;
  assert.equal(reason.code, 'ISO8583_ERR_INBOUND_CLOSED');
  assert.match(reason.message, /MTI 0200: the endpoint closed before the sequence settled/);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_CLOSED, 1);
  assert.match(await logs.waitFor(/close gave up on the sequences still running/), /"code":"ISO8583_ERR_INBOUND_CLOSED".*"sequences":1/);
});

test('close – destroy() aborts the signal of a sequence still running too, and a signal not read yet is found aborted', async (t) => {
  const started = gate<SequenceContext>();
  // Reads nothing of its context until told: the close aborts a signal the sequence had not made yet.
  const sequence: Sequence = (_m, context) => {
    started.open(context);
    return new Promise(() => undefined);
  };
  const { endpoint, port } = await startEndpoint(t, { sequence });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  const context = await within(started.promise, 10_000, 'the sequence did not start');
  await within(endpoint.destroy(), 10_000, 'destroy() did not end');
  assert.equal(codeOf(context.signal?.reason), 'ISO8583_ERR_INBOUND_CLOSED');
});

test('close – a running onError sequence has its own signal aborted with ISO8583_ERR_INBOUND_CLOSED', async (t) => {
  const started = gate<SequenceContext>();
  const sequence: Sequence = () => {
    throw new Error('declined by the test');
  };
  const { endpoint, port } = await startEndpoint(t, { sequence, onError: untilAborted((c) => started.open(c)), onLateResult: () => undefined });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  const context = await within(started.promise, 10_000, 'onError did not start');
  assert.equal(context.error?.code, 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED');
  await within(endpoint.close({ deadline: 100 }), 10_000, 'close() did not end at its deadline');
  assert.equal(codeOf(context.signal?.reason), 'ISO8583_ERR_INBOUND_CLOSED');
});

test('close – a client-gone sequence gets the close reason on its signal; its `gone` keeps ISO8583_ERR_INBOUND_CLIENT_GONE', async (t) => {
  const started = gate<SequenceContext>();
  const { endpoint, port } = await startEndpoint(t, { sequence: untilAborted((c) => started.open(c)), onLateResult: () => undefined });
  const client = await TestClient.connect(port);
  client.send(purchase(1));
  const context = await within(started.promise, 10_000, 'the sequence did not start');
  const gone = context.gone!;
  client.socket.resetAndDestroy();
  await waitUntil(() => gone.aborted, { what: 'the client gone' });
  assert.equal(context.signal?.aborted, false, 'a client gone does not abort the signal');
  await within(endpoint.close({ deadline: 100 }), 10_000, 'close() did not end at its deadline');
  assert.equal(codeOf(context.signal?.reason), 'ISO8583_ERR_INBOUND_CLOSED');
  assert.equal(codeOf(gone.reason), 'ISO8583_ERR_INBOUND_CLIENT_GONE');
});

test('close – a sequence whose sequenceTimeout passed keeps ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT on its signal', async (t) => {
  const started = gate<SequenceContext>();
  // Never settles, whatever its signal says: still running (late) when the endpoint closes.
  const sequence: Sequence = (_m, context) => {
    started.open(context);
    return new Promise(() => undefined);
  };
  const { endpoint, port } = await startEndpoint(t, { sequence, sequenceTimeout: 50, onLateResult: () => undefined });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await client.request(purchase(1));
  assert.equal(reply.fields['39'], '96');
  const context = await started.promise;
  await within(endpoint.close({ deadline: 100 }), 10_000, 'close() did not end');
  assert.equal(codeOf(context.signal?.reason), 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_CLOSED, undefined, 'nothing given up at the close');
});

test('close – a close that drains in time aborts nothing', async (t) => {
  const held = gate();
  const started = gate<SequenceContext>();
  const sequence: Sequence = async (m, context) => {
    started.open(context);
    await held.promise;
    return approveAll(m, context);
  };
  const { endpoint, port } = await startEndpoint(t, { sequence });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = client.request(purchase(1));
  const context = await within(started.promise, 10_000, 'the sequence did not start');
  const closing = endpoint.close({ deadline: 60_000 });
  held.open();
  assert.equal((await within(reply, 10_000, 'no reply')).fields['39'], '00');
  await within(closing, 10_000, 'close() did not end');
  assert.equal(context.signal?.aborted, false);
});
