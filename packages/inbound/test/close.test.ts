import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createInboundEndpoint } from '../src/index.js';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase, until } from './support/client.js';
import { approveAll } from './support/endpoint.js';

test('close – stops accepting, lets the message in flight be answered, then closes the connection', async () => {
  let release: (() => void) | undefined;
  const gate = new Promise<void>((r) => (release = r));
  const sequence: Sequence = async (m, c) => {
    await gate;
    return approveAll(m, c);
  };
  const endpoint = createInboundEndpoint({ port: 0, sequence });
  const { port } = await endpoint.start();
  const client = await TestClient.connect(port);
  client.send(purchase(1));
  await until(() => endpoint.stats().inFlight === 1);
  const closing = endpoint.close();
  assert.equal(endpoint.close(), closing, 'close() is idempotent');
  await until(() => endpoint.address() === null);
  await assert.rejects(
    new Promise((resolve, reject) => connect({ host: '127.0.0.1', port }, () => resolve(undefined)).on('error', reject)),
  );
  release?.();
  assert.equal((await client.reply()).fields['11'], '000001');
  await client.closed;
  await closing;
  assert.equal(endpoint.stats().connections, 0);
});

test('close – connections still busy at the deadline are destroyed', async () => {
  const endpoint = createInboundEndpoint({ port: 0, sequence: () => new Promise(() => undefined) });
  const { port } = await endpoint.start();
  const client = await TestClient.connect(port);
  client.send(purchase(2));
  await until(() => endpoint.stats().inFlight === 1);
  await endpoint.close({ deadline: 50 });
  await client.closed;
  assert.equal(endpoint.stats().connections, 0);
});

test('close – before start, and start after close', async () => {
  const endpoint = createInboundEndpoint({ port: 0, sequence: approveAll });
  await endpoint.close();
  await assert.rejects(endpoint.start(), { code: 'ISO8583_ERR_INBOUND_LISTEN' });
  assert.equal(endpoint.address(), null);
});

test('start – the same promise twice; a port in use is a coded listen error; an unknown sequence fails start', async () => {
  const first = createInboundEndpoint({ port: 0, sequence: approveAll });
  const started = first.start();
  assert.equal(first.start(), started);
  const { port } = await started;
  const second = createInboundEndpoint({ port, sequence: approveAll });
  await assert.rejects(second.start(), { code: 'ISO8583_ERR_INBOUND_LISTEN' });
  const third = createInboundEndpoint({ port: 0, sequence: 'no-such-sequence-anywhere' });
  await assert.rejects(third.start(), { code: 'ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND' });
  await Promise.all([first.close(), second.close(), third.close()]);
});

test('events – listening, connection and close', async () => {
  const endpoint = createInboundEndpoint({ port: 0, sequence: approveAll });
  const events: string[] = [];
  endpoint.on('listening', () => events.push('listening'));
  endpoint.on('connection', () => events.push('connection'));
  endpoint.on('close', () => events.push('close'));
  const { port } = await endpoint.start();
  const client = await TestClient.connect(port);
  await until(() => events.includes('connection'));
  client.destroy();
  await endpoint.close();
  assert.deepEqual(events, ['listening', 'connection', 'close']);
});
