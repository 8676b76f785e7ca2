// The wedge the connector guards against, from the inbound side: a client that writes a length header under
// maxFrameSize and never the frame it announces must not hold its connection (and its later frames) forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { within } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

test('inbound – a bogus length header (60000 bytes announced, none sent) then silence: the connection is closed with READ_TIMEOUT', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, readTimeout: 200 });
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
  t.after(() => socket.destroy());
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write(Buffer.from([0xea, 0x60])); // binary2: 60000, under the default maxFrameSize 65535
  await within(closed, 10_000, 'the wedged connection was not closed');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_READ_TIMEOUT, 1);
  // The client reconnects and is served.
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(7))).fields['39'], '00');
});

test('inbound – a client that ends its side in the middle of a frame: the partial frame is logged as dropped (sizes, no bytes)', async (t) => {
  const lines: Record<string, unknown>[] = [];
  let seen: (() => void) | undefined;
  const logged = new Promise<void>((resolve) => (seen = resolve));
  const logger = pino({ level: 'info' }, new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const l of chunk.toString('utf8').split('\n')) {
        if (l === '') continue;
        const line = JSON.parse(l) as Record<string, unknown>;
        lines.push(line);
        if (typeof line.msg === 'string' && line.msg.includes('partial frame')) seen?.();
      }
      done();
    },
  }));
  const { port } = await startEndpoint(t, { sequence: approveAll, logger });
  const socket = connect({ host: '127.0.0.1', port });
  t.after(() => socket.destroy());
  socket.on('error', () => undefined);
  // binary2: 40 bytes announced, 12 sent (a PAN's digits among them), then FIN.
  socket.end(Buffer.concat([Buffer.from([0x00, 0x28]), Buffer.from('476173900101', 'latin1')]));
  await within(logged, 10_000, 'the partial frame to be logged');
  const line = lines.find((l) => typeof l.msg === 'string' && l.msg.includes('partial frame'));
  assert.equal(line?.bufferedBytes, 14);
  assert.equal(line?.frameSize, 42);
  assert.ok(!JSON.stringify(lines).includes('476173900101'), 'no bytes of the frame in the log');
});
