import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import { rawHttp, readUntil, within } from '../src/index.js';

/** A TCP server on 127.0.0.1 that hands the test each connection it accepts. */
async function peer(): Promise<{ port: number; accepted: Promise<Socket>; close(): Promise<void> }> {
  let take: (socket: Socket) => void = () => undefined;
  const accepted = new Promise<Socket>((resolve) => (take = resolve));
  const server = createServer((socket) => take(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Resolves once `socket` has written `text` out (each write its own read at the client, as far as the network lets it). */
function send(socket: Socket, text: string): Promise<void> {
  return new Promise((resolve) => socket.write(text, () => resolve()));
}

test('readUntil – a string cut across two reads is found; one read before the wait is found too', async () => {
  const server = await peer();
  const conn = rawHttp(server.port);
  try {
    const socket = await server.accepted;
    await send(socket, 'HTTP/1.1 200 OK\r\n\r\n#1;#2');
    await within(readUntil(conn, '#1;'), 5000, 'a string read before the wait');
    const last = readUntil(conn, '#2;#3;');
    await send(socket, ';#');
    await send(socket, '3;');
    await within(last, 5000, 'a string cut across reads');
    assert.equal(conn.text(), 'HTTP/1.1 200 OK\r\n\r\n#1;#2;#3;');
    socket.destroy();
  } finally {
    conn.socket.destroy();
    await server.close();
  }
});

test('readUntil – a connection closed before the string rejects with what it read', async () => {
  const server = await peer();
  const conn = rawHttp(server.port);
  try {
    const socket = await server.accepted;
    const never = readUntil(conn, '#9;');
    await send(socket, '#8;');
    socket.end();
    await assert.rejects(never, /closed before #9;: "#8;"/);
  } finally {
    conn.socket.destroy();
    await server.close();
  }
});
