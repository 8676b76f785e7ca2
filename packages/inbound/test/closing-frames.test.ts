// A frame read after its connection began closing (the endpoint's `close()` drain, `closeAfterReply` once its reply is
// written) is not taken: no sequence runs, no reply. It is said, once for the connection: every request gets a reply
// or a logged drop (before, it went without a trace: a terminal that sent it had no answer and the log no line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createCodec, encodeFrame } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { createInboundEndpoint } from '../src/index.js';
import { purchase } from './support/client.js';
import { approveAll } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';

test('closeAfterReply – a request the client sends after its reply and the server\'s end is logged as dropped, unanswered', async (t) => {
  const logs = captureLogs('info');
  let calls = 0;
  const endpoint = createInboundEndpoint({ port: 0, logger: logs.logger, closeAfterReply: true, sequence: (m, c) => {
    calls++;
    return approveAll(m, c);
  } });
  t.after(() => endpoint.close());
  const { port } = await endpoint.start();
  const codec = createCodec('iso87ascii');
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  t.after(() => socket.destroy());
  await new Promise((resolve) => socket.once('connect', resolve));
  let read = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => (read = Buffer.concat([read, chunk])));
  const serverEnded = new Promise((resolve) => socket.once('end', resolve));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.write(encodeFrame(codec.pack(purchase(1)), {}));
  await within(serverEnded, 5_000, 'the server ends after its reply');
  assert.ok(read.length > 0, 'the first request was answered');
  // The second request, after the server's end: it is read (the server reads on to see the client's end) and dropped.
  socket.end(encodeFrame(codec.pack(purchase(2)), {}));
  await within(closed, 5_000, 'the connection closes');
  const line = await within(logs.waitFor(/after the connection began closing/), 5_000, 'no line for the dropped request');
  assert.match(line, /"frames":1/);
  assert.equal(calls, 1, 'no sequence ran for it');
  assert.doesNotMatch(logs.text(), /4111111111111111|411111/, 'no card data in the log');
});
