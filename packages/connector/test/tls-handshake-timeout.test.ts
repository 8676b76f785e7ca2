// A TLS connect whose handshake the host never answers (a TCP server that accepts and never speaks TLS): when
// `connectTimeout` passes, the attempt fails with ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT and our end of the TCP
// connection is closed at once, so the host sees it close (no socket left open until the host cuts it). Each later
// attempt likewise. (Suspected leak, not real: the host only sees a close on a socket it reads; this guards it, and
// fails with every connection held when connectSocket's failure does not destroy the socket.) Real sockets on
// 127.0.0.1; the host's sockets are counted, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { eventWithin } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';

test('TLS: a handshake never answered times out, and the host sees each of our connections close', async (t) => {
  const open = new Set<Socket>();
  let accepted = 0;
  let seen: (() => void) | undefined;
  const server = createServer((socket) => {
    accepted += 1;
    open.add(socket);
    socket.on('error', () => undefined);
    socket.resume(); // reads (and drops) the ClientHello: a closed peer is seen only by a socket that reads
    socket.on('close', () => {
      open.delete(socket);
      seen?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of open) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as AddressInfo).port;
  const connector = createConnector({
    host: '127.0.0.1',
    port,
    tls: { rejectUnauthorized: false },
    connectTimeout: 300,
    reconnect: { initialDelay: 50, maxDelay: 50 },
    transactionLog: false,
  });
  t.after(() => connector.destroy());
  // Worded as what happened: TCP connected, the handshake stalled (it said "no connection to the host").
  await assert.rejects(connector.connect(), {
    code: 'ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT',
    message: 'connectTimeout: TLS handshake not finished within 300 ms (the TCP connection was made; the host sent no TLS answer)',
  });
  // Three attempts timed out: the host must have seen every one of their connections close, none left open.
  await eventWithin(20_000, () => `the host still holds ${open.size} of ${accepted} connections after their timeouts`, (resolve) => {
    const check = (): void => {
      if (accepted >= 3 && open.size <= 1) resolve(undefined);
    };
    seen = check;
    check();
  });
  assert.ok(open.size <= 1, 'at most the attempt under way is open');
});
