// lingerClose (src/http/linger-close.ts) on a connection whose client had already ended its side before the linger
// began: the client half-closed after its request and read its answer, so the close cut nothing, and the answer kept
// in doubt counts delivered (not reversed), on real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { deliveryInDoubt, keepInDoubt } from '@iso8583/connector/delivery-doubt';
import { lingerClose } from '../src/http/linger-close.js';

test('lingerClose – a client that ended its side before the linger began and read its answer has it counted delivered', async (t) => {
  const server = createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  let reported = 0;
  const closedSide = new Promise<void>((resolve) => {
    server.once('connection', (s: Socket) => {
      s.on('error', () => undefined);
      deliveryInDoubt(s);
      s.on('data', () => undefined);
      s.once('end', () => {
        // The client's end came before the linger: its side is ended already.
        s.write('answer-approved');
        keepInDoubt(s, () => reported++);
        s.end();
        lingerClose(s);
      });
      s.once('close', () => resolve());
    });
  });
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => undefined);
  t.after(() => client.destroy());
  let read = '';
  client.on('data', (d: Buffer) => (read += d.toString()));
  const clientDone = new Promise<void>((resolve) => client.once('end', () => resolve()));
  client.write('request');
  client.end();
  await clientDone;
  await closedSide;
  assert.equal(read, 'answer-approved', 'the client read its answer');
  assert.equal(reported, 0, 'an answer the client read is not reversed');
});
