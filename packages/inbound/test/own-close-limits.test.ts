// A connection closing itself (broken framing, a read timeout, maxFormatErrors) still owes the replies of the requests
// it read before. Two ways that close went wrong: the idle timeout destroyed it while a sequence was still running
// (the approval reversed, its terminal connected); after maxFormatErrors it read on (a flooder read for up to the
// close's bound). Real sockets on 127.0.0.1; the order of events is followed through the endpoint's stats and its
// socket's events, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { waitUntil, within } from '@iso8583/test-support';
import { BAD_LENGTH, badFrame, TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { heldSequence } from './support/gates.js';
import { watchListenerReads } from './support/listener-reads.js';

test('own close – the idle timeout while a sequence runs after broken framing: the reply is written, not reported client-gone', async (t) => {
  const { held, late, sequence, onLateResult } = heldSequence();
  const { endpoint, port } = await startEndpoint(t, { sequence, maxFrameSize: 4096, idleTimeout: 100, onLateResult });
  t.after(() => held.open());
  // The sequence goes on once the endpoint's socket has had an idle timeout after the broken framing (its listener
  // runs after the endpoint's own).
  const onSocket = (message: unknown): void => {
    const { socket } = message as { socket: Socket };
    if (socket.localPort !== port) return;
    socket.on('timeout', () => {
      if (endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FRAMING === 1) held.open();
    });
  };
  subscribe('net.server.socket', onSocket);
  t.after(() => unsubscribe('net.server.socket', onSocket));
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the request started' });
  client.write(BAD_LENGTH);
  await within(held.promise, 10_000, 'no idle timeout after the broken framing');
  const reply = await within(client.reply(), 10_000, 'the reply owed was not written');
  assert.equal(reply.fields['11'], '000001');
  assert.equal(reply.fields['39'], '00');
  await within(client.closed, 10_000, 'the connection did not end');
  assert.deepEqual(late, [], 'nothing reported as client-gone');
});

test('own close – after maxFormatErrors nothing more is read while the replies owed are awaited', async (t) => {
  const { held, late, sequence, onLateResult } = heldSequence();
  const { endpoint, port } = await startEndpoint(t, { sequence, maxFormatErrors: 3, onLateResult });
  t.after(() => held.open());
  const readsOf = watchListenerReads(t, port);
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reads = readsOf(client.socket);
  const request = client.frame(purchase(1));
  client.write(request);
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the request started' });
  const bad = Buffer.concat([badFrame(), badFrame(), badFrame()]);
  client.write(bad);
  await waitUntil(() => endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FORMAT_ERRORS === 1, { what: 'the format errors counted' });
  const before = request.length + bad.length;
  await reads.reached(before, 'the request and the bad frames');
  // A flood after the close began, then a round trip of another client (its request read after the flood's bytes).
  client.write(Buffer.concat(Array.from({ length: 200 }, (_, i) => client.frame(purchase(100 + i)))));
  const other = await TestClient.connect(port);
  t.after(() => other.destroy());
  assert.equal((await within(other.request(purchase(2, { 41: 'TERMB001' })), 10_000, 'the other client')).fields['39'], '00');
  assert.equal(reads.total, before, 'the flood was not read');
  assert.equal(endpoint.stats().dropped, 0);
  held.open();
  const got: string[] = [];
  for (let i = 0; i < 3; i++) got.push(String((await within(client.reply(), 10_000, `reply ${i + 1}`)).fields['39']));
  assert.deepEqual(got.sort(), ['00', '30', '30']);
  await within(client.closed, 10_000, 'the connection did not end');
  assert.deepEqual(late, []);
});
