// Frames held in a connection's stream and started as room comes keep the order sent and the limits when a frame is
// done at once (a sequence that answers synchronously, an undecodable frame): the done frame's `startWaiting` must not
// start a later batch before the rest of the batch being started (a 0400 before its 0200), nor more than 32 frames a
// turn, nor more than `maxInFlightPerConnection` at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

const FRAMES_PER_TURN = 32;

/**
 * Counts the sequences started in each turn of the event loop (each callback of it: a read, the connection's
 * setImmediate), reset by a microtask, which runs once the callback's synchronous work is done (the sequences are
 * called synchronously); `most` is the largest count.
 */
function turnCounter(): { count: () => void; most: () => number } {
  let thisTurn = 0;
  let most = 0;
  let armed = false;
  return {
    count: () => {
      if (!armed) {
        armed = true;
        queueMicrotask(() => {
          armed = false;
          thisTurn = 0;
        });
      }
      most = Math.max(most, ++thisTurn);
    },
    most: () => most,
  };
}

test('held frames – 300 frames in one write, a synchronous sequence: started in the order sent, 32 a turn at most', async (t) => {
  const COUNT = 300;
  const started: number[] = [];
  const turns = turnCounter();
  const sequence: Sequence = (m, c) => {
    started.push(Number(m.fields['11']));
    turns.count();
    return approveAll(m, c);
  };
  const { port } = await startEndpoint(t, { sequence });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.write(Buffer.concat(Array.from({ length: COUNT }, (_, i) => client.frame(purchase(i + 1)))));
  const replies = new Set<number>();
  for (let i = 0; i < COUNT; i++) replies.add(Number((await within(client.reply(), 10_000, `reply ${i + 1} of ${COUNT}`)).fields['11']));
  assert.equal(replies.size, COUNT, 'each answered once');
  assert.deepEqual(started, Array.from({ length: COUNT }, (_, i) => i + 1), 'started in the order sent');
  assert.ok(turns.most() <= FRAMES_PER_TURN, `at most ${FRAMES_PER_TURN} a turn (${turns.most()})`);
});

test('held frames – undecodable frames between good ones (done at once): at most maxInFlightPerConnection in flight, in order', async (t) => {
  const GROUPS = 200;
  const MAX = 64;
  const started: number[] = [];
  const turns = turnCounter();
  let inFlight = 0;
  let most = 0;
  const sequence: Sequence = async (m, c) => {
    started.push(Number(m.fields['11']));
    turns.count();
    most = Math.max(most, ++inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight--;
    return approveAll(m, c);
  };
  const { port } = await startEndpoint(t, { sequence, maxInFlightPerConnection: MAX });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const bad = encodeFrame(Buffer.from('ZZZZ'), {});
  client.write(Buffer.concat(Array.from({ length: GROUPS }, (_, i) => [bad, client.frame(purchase(i + 1))]).flat()));
  const replies = new Set<number>();
  while (replies.size < GROUPS) {
    const reply = await within(client.reply(), 10_000, `reply ${replies.size + 1} of ${GROUPS}`);
    if (reply.fields['11'] !== undefined) replies.add(Number(reply.fields['11']));
  }
  assert.deepEqual(started, Array.from({ length: GROUPS }, (_, i) => i + 1), 'started in the order sent');
  assert.ok(most <= MAX, `at most ${MAX} in flight (${most})`);
  assert.ok(turns.most() <= FRAMES_PER_TURN, `at most ${FRAMES_PER_TURN} a turn (${turns.most()})`);
});
