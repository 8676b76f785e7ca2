// When the endpoint closes a connection itself (broken framing, a frame not completed within the read timeout,
// maxFormatErrors), its client still connected, the requests it read before are still answered and their replies
// written; then the connection ends. Before, it was destroyed at once: the replies owed were thrown away (in a gateway:
// approvals reversed, the terminal told nothing) and went to onLateResult as `client-gone`; whole requests that came in
// the same read as the bad bytes were not even started, nor counted. Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { waitUntil, within } from '@iso8583/test-support';
import { BAD_LENGTH, badFrame, TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { heldSequence } from './support/gates.js';

test('own close – two requests and a bad length header in one write: both answered, then the connection ends', async (t) => {
  const { endpoint, port } = await startEndpoint(t, { sequence: approveAll, maxFrameSize: 4096 });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.write(Buffer.concat([client.frame(purchase(1)), client.frame(purchase(2)), BAD_LENGTH]));
  const stans = [(await within(client.reply(), 10_000, 'reply 1')).fields['11'], (await within(client.reply(), 10_000, 'reply 2')).fields['11']];
  assert.deepEqual(stans.sort(), ['000001', '000002']);
  await within(client.closed, 10_000, 'the connection did not end');
  const stats = endpoint.stats();
  assert.equal(stats.messages, 2);
  assert.equal(stats.replies, 2);
  assert.equal(stats.dropped, 0);
  assert.equal(stats.errorsByCode.ISO8583_ERR_INBOUND_FRAMING, 1);
});

test('own close – broken framing while a request is in its sequence: the reply is written, not reported late', async (t) => {
  const { held, late, sequence, onLateResult } = heldSequence();
  const { endpoint, port } = await startEndpoint(t, { sequence, maxFrameSize: 4096, onLateResult });
  t.after(() => held.open());
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the request started' });
  client.write(BAD_LENGTH);
  await waitUntil(() => endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FRAMING === 1, { what: 'broken framing read and counted' });
  held.open();
  const reply = await within(client.reply(), 10_000, 'the reply owed was not written');
  assert.equal(reply.fields['11'], '000001');
  assert.equal(reply.fields['39'], '00');
  await within(client.closed, 10_000, 'the connection did not end');
  assert.deepEqual(late, [], 'nothing reported as client-gone');
});

test('own close – a read timeout while a request is in its sequence: the reply is written, then the connection ends', async (t) => {
  const { held, late, sequence, onLateResult } = heldSequence();
  const { endpoint, port } = await startEndpoint(t, { sequence, readTimeout: 200, onLateResult });
  t.after(() => held.open());
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the request started' });
  client.write(Buffer.from([0x00, 0x40, 0x30])); // a frame begun, never completed
  await waitUntil(() => endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_READ_TIMEOUT === 1, { what: 'the read timeout', timeoutMs: 10_000 });
  held.open();
  const reply = await within(client.reply(), 10_000, 'the reply owed was not written');
  assert.equal(reply.fields['11'], '000001');
  await within(client.closed, 10_000, 'the connection did not end');
  assert.deepEqual(late, []);
});

test('own close – maxFormatErrors with a request in its sequence: the 30s and the reply owed are written, as counted', async (t) => {
  const { held, late, sequence, onLateResult } = heldSequence();
  const { endpoint, port } = await startEndpoint(t, { sequence, maxFormatErrors: 3, onLateResult });
  t.after(() => held.open());
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the request started' });
  client.write(Buffer.concat([badFrame(), badFrame(), badFrame()]));
  await waitUntil(() => endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FORMAT_ERRORS === 1, { what: 'the format errors counted' });
  held.open();
  const got: string[] = [];
  for (let i = 0; i < 3; i++) got.push(String((await within(client.reply(), 10_000, `reply ${i + 1}`)).fields['39']));
  assert.deepEqual(got.sort(), ['00', '30', '30'], 'two format errors answered (the third closes), and the approval');
  await within(client.closed, 10_000, 'the connection did not end');
  assert.deepEqual(late, []);
  assert.deepEqual(endpoint.stats().byResponseCode, { '00': 1, '30': 2 }, 'counted as written');
});

test('own close – the wait is bounded: a client that never ends its side is closed at twice sequenceTimeout and a second', async (t) => {
  const { endpoint, port } = await startEndpoint(t, { sequence: approveAll, maxFrameSize: 4096, sequenceTimeout: 100 });
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  await once(socket, 'connect');
  const ended = once(socket, 'end');
  socket.resume();
  socket.write(BAD_LENGTH);
  await within(ended, 10_000, 'the endpoint did not end its side');
  // This side stays open (allowHalfOpen): the endpoint's bound closes the connection (its socket destroyed).
  await waitUntil(() => endpoint.stats().connections === 0, { what: 'the connection closed at the bound', timeoutMs: 10_000 });
});
