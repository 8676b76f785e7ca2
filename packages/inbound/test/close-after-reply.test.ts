import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInboundEndpoint } from '../src/index.js';
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
