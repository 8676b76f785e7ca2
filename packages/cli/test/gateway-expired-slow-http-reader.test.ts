// A gateway stop that passes its deadline with an HTTP client slow to read (it pipelines purchases and never reads the
// answers): the approvals made for it whose answers are not written whole when its connection is cut are reported as
// approvals the client never got, and each must be reversed (stored in the SAF journal) before the links are destroyed,
// never "NOT reversed". The POS side had this test (gateway-expired-slow-reader); the HTTP side had none.
// The client is known to hold answers unwritten once the gateway's side of its connection has bytes the system did not
// take (`writableLength`: its buffers are full, the client never reads, so the answer being written is not written
// whole, nor are those queued behind it), looked at once a turn of the event loop: no sleep. That side is found by
// Node's own `net.server.socket` channel (the connection the gateway accepts on its HTTP port).
// Real parts: the gateway in this process, a bank on 127.0.0.1 that approves at once, a raw HTTP client socket, the
// real journal folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { within } from '@iso8583/test-support';
import { slowReaderGateway } from './helpers/slow-reader-gateway.js';

/** A pipelined `POST /` of a purchase (STAN `stan`), as the gateway's HTTP route takes it. */
function post(stan: number): string {
  const body = JSON.stringify({ 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: String(stan).padStart(6, '0'), 41: 'TERM0002', 49: '840' });
  return `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

test('gateway stop past its deadline – the approvals waiting for an HTTP client slow to read are reversed (stored), never "NOT reversed"', async (t) => {
  const { gateway, firstOutcome, stopping, assertReversed } = await slowReaderGateway(t, 'iso8583-gw-expired-slow-http-');
  const httpPort = gateway.addresses.http?.port;
  assert.ok(httpPort !== undefined, 'the gateway listens on HTTP');
  // The gateway's side of the client's connection, as it accepts it.
  let served: Socket | undefined;
  const accepted = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket;
    if (socket.localPort === httpPort) served = socket;
  };
  subscribe('net.server.socket', accepted);
  t.after(() => unsubscribe('net.server.socket', accepted));
  const client = connect(httpPort, '127.0.0.1');
  t.after(() => void client.destroy());
  client.on('error', () => undefined);
  await within(once(client, 'connect'), 10_000, 'the HTTP client did not connect');
  client.pause();
  // Purchases pipelined, a batch a turn (20,000 at most), until the gateway holds an answer it cannot write (the client
  // never reads); looked at once a turn of the event loop.
  let stan = 0;
  const full = (): boolean => (served?.writableLength ?? 0) > 0;
  let over = false;
  t.after(() => void (over = true));
  const fill = async (): Promise<void> => {
    while (!full() && !over) {
      if (stan < 20_000) {
        const batch: string[] = [];
        for (let i = 0; i < 20; i++) batch.push(post(++stan));
        client.write(batch.join(''));
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  await within(fill(), 60_000, 'the gateway never held an answer for its HTTP client').catch((err: Error) => {
    const side = served === undefined ? 'never seen' : `destroyed ${served.destroyed}, ${served.bytesWritten} bytes written`;
    throw new Error(`${err.message} (${stan} purchases sent; the gateway's side: ${side})`);
  });
  stopping();
  // A short deadline: the client never reads, so the stop ends at its deadline (and its grace), never in order.
  const stopped = await within(gateway.close(300).then(() => undefined, (err: unknown) => err), 10_000, 'the stop did not end');
  await within(firstOutcome, 10_000, 'no approval was reported undelivered');
  assert.equal((stopped as { code?: unknown } | undefined)?.code, undefined, `the stop failed: ${String(stopped)}`);
  assertReversed();
});
