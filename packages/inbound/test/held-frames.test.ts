// The frames of a read that a connection cannot start yet (the 32 a turn, `maxInFlightPerConnection`) stay held in
// its stream as the bytes that came, and are started in order as room comes: every one is answered, once, in the order
// sent, a half-close after them included (no partial frame is reported for whole frames still held).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';

const COUNT = 500;

for (const halfClose of [false, true]) {
  test(`held frames – ${COUNT} frames in one write, 2 in flight at most: each started in order and answered${halfClose ? ', then a half-close' : ''}`, async (t) => {
    const logs = captureLogs('info');
    const started: number[] = [];
    let inFlight = 0;
    let most = 0;
    const sequence: Sequence = async (m, c) => {
      started.push(Number(m.fields['11']));
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return approveAll(m, c);
    };
    const { port } = await startEndpoint(t, { sequence, maxInFlightPerConnection: 2, allowHalfOpen: true, logger: logs.logger });
    const client = await TestClient.connect(port);
    t.after(() => client.destroy());
    client.write(Buffer.concat(Array.from({ length: COUNT }, (_, i) => client.frame(purchase(i + 1)))));
    if (halfClose) client.socket.end();
    const stans = new Set<number>();
    for (let i = 0; i < COUNT; i++) {
      const reply = await within(client.reply(), 10_000, `reply ${i + 1} of ${COUNT}`);
      assert.equal(reply.fields['39'], '00');
      stans.add(Number(reply.fields['11']));
    }
    assert.equal(stans.size, COUNT, 'each answered once');
    assert.deepEqual(started, Array.from({ length: COUNT }, (_, i) => i + 1), 'started once each, in the order sent');
    assert.ok(most <= 2, `at most 2 in flight (${most})`);
    if (halfClose) {
      await within(client.closed, 5_000, 'the connection did not end after the last reply');
      assert.doesNotMatch(logs.text(), /partial frame/);
    }
  });
}

test('held frames – a client that ends its side in a frame behind held frames: the partial frame is logged with its size', async (t) => {
  const logs = captureLogs('info');
  // The first sequence waits for the partial frame's line: the 99 other whole frames stay held (1 in flight at most).
  let gate!: () => void;
  const logged = new Promise<void>((resolve) => (gate = resolve));
  const sequence: Sequence = async (m, c) => {
    await logged;
    return approveAll(m, c);
  };
  const { port } = await startEndpoint(t, { sequence, maxInFlightPerConnection: 1, allowHalfOpen: true, logger: logs.logger });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const frames = Array.from({ length: 100 }, (_, i) => client.frame(purchase(i + 1)));
  // binary2: 40 bytes announced, 12 sent, then FIN.
  client.socket.end(Buffer.concat([...frames, Buffer.from([0x00, 0x28]), Buffer.from('000000000000', 'latin1')]));
  const line = JSON.parse(await within(logs.waitFor(/partial frame/), 10_000, 'the partial frame to be logged')) as Record<string, unknown>;
  gate();
  assert.equal(line.bufferedBytes, 14);
  assert.equal(line.frameSize, 42);
  for (let i = 0; i < frames.length; i++) await within(client.reply(), 10_000, `reply ${i + 1} of ${frames.length}`);
});
