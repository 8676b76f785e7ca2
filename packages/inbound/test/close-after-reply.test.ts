import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { createInboundEndpoint } from '../src/index.js';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll } from './support/endpoint.js';

test('closeAfterReply – the connection ends once its reply is written', async (t) => {
  const endpoint = createInboundEndpoint({ port: 0, sequence: approveAll, closeAfterReply: true });
  t.after(() => endpoint.close());
  const { port } = await endpoint.start();
  const client = await TestClient.connect(port);
  client.send(purchase(1));
  assert.equal((await client.reply()).fields['11'], '000001');
  await client.closed;
  assert.equal(endpoint.stats().replies, 1);
});

test('closeAfterReply – off by default: the connection stays open for the next request', async (t) => {
  const endpoint = createInboundEndpoint({ port: 0, sequence: approveAll });
  t.after(() => endpoint.close());
  const { port } = await endpoint.start();
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  assert.equal((await client.reply()).fields['11'], '000001');
  client.send(purchase(2));
  assert.equal((await client.reply()).fields['11'], '000002');
});

for (const kind of ['sync', 'async'] as const) {
  test(`closeAfterReply – three requests in one write to a ${kind} sequence: each is answered, then the connection ends`, async (t) => {
    const sequence: Sequence = kind === 'sync' ? approveAll : async (m, context) => approveAll(m, context);
    const endpoint = createInboundEndpoint({ port: 0, sequence, closeAfterReply: true });
    t.after(() => endpoint.close());
    const { port } = await endpoint.start();
    const client = await TestClient.connect(port);
    t.after(() => client.destroy());
    client.socket.write(Buffer.concat([1, 2, 3].map((stan) => encodeFrame(client.codec.pack(purchase(stan)), {}))));
    const stans = [];
    for (let i = 0; i < 3; i++) stans.push((await within(client.reply(), 5_000, `reply ${i + 1} of 3`)).fields['11']);
    assert.deepEqual(stans, ['000001', '000002', '000003']);
    await within(client.closed, 5_000, 'the connection ends after the replies');
    assert.equal(endpoint.stats().replies, 3);
  });
}
