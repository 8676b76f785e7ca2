// Over TLS the socket's figures do not tell which frames of a write under way the kernel took (the TLS handle's
// `writeQueueSize` is the size of the whole encrypted write, and a record cut short cannot be read by the peer), so a
// destroy reports every frame of that write `dropped`, erring towards a reversal of an approval the client may have
// got, never leaving one it never got unreported. This pins that side of the error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { makeCertificates } from '@iso8583/test-support';
import { BURST, frameNumbers, writeBurst } from './stream-support.js';
import { MessageStream } from '../src/index.js';

test('MessageStream over TLS – destroyed with a write of many frames under way: every frame the peer never gets is dropped', async (t) => {
  const certs = makeCertificates();
  t.after(() => certs.cleanup());
  const accepted: TLSSocket[] = [];
  const listener = createServer({ key: certs.serverKey, cert: certs.serverCert }, (socket) => {
    socket.on('error', () => undefined);
    accepted.push(socket);
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const client = connect({ port: (listener.address() as { port: number }).port, host: '127.0.0.1', ca: certs.ca, servername: 'localhost' });
  client.on('error', () => undefined);
  t.after(() => {
    client.destroy();
    for (const s of accepted) s.destroy();
    listener.close();
  });
  client.pause();
  await once(client, 'secureConnect');
  while (accepted.length === 0) await new Promise((resolve) => setImmediate(resolve));
  const server = accepted[0] as TLSSocket;
  const stream = new MessageStream(server, {}, { frame: () => undefined });
  const { count, size } = BURST;
  const dropped = writeBurst(stream);
  assert.ok(server.writableLength > size, 'the frames are partly pending');
  stream.destroy();
  await once(server, 'close');
  const received: Buffer[] = [];
  client.on('data', (chunk: Buffer) => received.push(chunk));
  const closed = once(client, 'close');
  client.resume();
  await closed;
  const bytes = Buffer.concat(received);
  const got = frameNumbers(bytes);
  assert.ok(got.size < count, `the peer did not get every frame (${got.size} of ${count})`);
  const lost = Array.from({ length: count }, (_, i) => i).filter((i) => !got.has(i) && !dropped.has(i));
  assert.deepEqual(lost, [], 'every frame the peer never got is reported dropped');
});
