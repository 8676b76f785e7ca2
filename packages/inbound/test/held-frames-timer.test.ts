// The read timeout bounds an incomplete frame only: once the frames held in a connection's stream (a read beyond the
// 32 a turn) have been taken, with nothing incomplete left, no read timer may stay armed to close a healthy connection
// (READ_TIMEOUT after an idle readTimeout) and throw away the replies still in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';

const READ_TIMEOUT = 200;
const COUNT = 100;

test('held frames – 100 frames in one write, then idle for 2 readTimeouts: the connection stays open and answers', async (t) => {
  const logs = captureLogs('info');
  const { port } = await startEndpoint(t, { sequence: approveAll, readTimeout: READ_TIMEOUT, logger: logs.logger });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.write(Buffer.concat(Array.from({ length: COUNT }, (_, i) => client.frame(purchase(i + 1)))));
  for (let i = 0; i < COUNT; i++) await within(client.reply(), 10_000, `reply ${i + 1} of ${COUNT}`);
  // Idle (nothing incomplete) for twice the read timeout: not an ordering, the time a stale timer would need to fire.
  await delay(2 * READ_TIMEOUT);
  const reply = await within(client.request(purchase(COUNT + 1)), 5_000, 'no reply after the idle time');
  assert.equal(reply.fields['11'], String(COUNT + 1).padStart(6, '0'));
  assert.doesNotMatch(logs.text(), /READ_TIMEOUT/);
});

test('held frames – 100 frames in one write, a sequence slower than readTimeout: every reply arrives', async (t) => {
  const logs = captureLogs('info');
  const sequence: Sequence = async (m, c) => {
    await delay(READ_TIMEOUT * 1.5);
    return approveAll(m, c);
  };
  const { port } = await startEndpoint(t, { sequence, readTimeout: READ_TIMEOUT, logger: logs.logger });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.write(Buffer.concat(Array.from({ length: COUNT }, (_, i) => client.frame(purchase(i + 1)))));
  const stans = new Set<string>();
  for (let i = 0; i < COUNT; i++) stans.add(String((await within(client.reply(), 10_000, `reply ${i + 1} of ${COUNT}`)).fields['11']));
  assert.equal(stans.size, COUNT, 'each answered once');
  assert.doesNotMatch(logs.text(), /READ_TIMEOUT|CLIENT_GONE/);
});
