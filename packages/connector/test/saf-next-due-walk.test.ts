// What a graceful stop reads on each `saf` event (Connector.safNextDue) does not walk every entry of the SAF queue
// while one of them can move now: a backlog waiting for a place among the attempts in flight (`saf.maxInFlight`) is
// due now, and so is the whole queue; one entry says so. A stop with 100,000 entries would otherwise walk them all on
// each event. Real sockets, a real journal; the walk is counted (the steps through the queue's map), not timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { advice, safEvent } from './helpers/reversals.js';

const HOUR = 3_600_000;
const ENTRIES = 200;

/**
 * Counts the steps taken through Maps of more than `min` entries by their `values()` from now until `stop()` (which
 * puts `Map.prototype.values` back and gives the count).
 */
function countMapSteps(min: number): { stop(): number } {
  const values = Map.prototype.values;
  let steps = 0;
  Map.prototype.values = function counted<V>(this: Map<unknown, V>): MapIterator<V> {
    const it = values.call(this) as MapIterator<V>;
    if (this.size <= min) return it;
    const next = it.next.bind(it);
    it.next = () => {
      steps += 1;
      return next();
    };
    return it;
  };
  return {
    stop: () => {
      Map.prototype.values = values;
      return steps;
    },
  };
}

test('safNextDue – a SAF backlog waiting for its place in flight is due now, read from its first entry, not a walk of every one', async (t) => {
  const peer = await peerFor(t, () => undefined); // never answers: the one attempt in flight holds its place
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: HOUR,
    saf: { enabled: true, journalDir: tempDir(t, 'saf-next-due-walk'), maxInFlight: 1, retryInterval: HOUR },
  });
  await connector.connect();
  const sent = safEvent(connector, 'sent');
  for (let i = 0; i < ENTRIES; i++) await connector.request(advice(String(200_000 + i)), { saf: true });
  await sent;
  assert.equal(connector.stats().safDepth, ENTRIES);
  const calls = 20;
  const steps = countMapSteps(ENTRIES - 1);
  let dues: (number | undefined)[];
  let walked: number;
  try {
    dues = Array.from({ length: calls }, () => connector.safNextDue());
  } finally {
    walked = steps.stop();
  }
  const now = Date.now();
  for (const due of dues) assert.ok(due !== undefined && due <= now, 'due now: an attempt in flight, the others waiting for its place');
  assert.ok(walked <= calls, `${walked} steps through the queue's ${ENTRIES} entries in ${calls} reads (one a read at most)`);
});

test('safNextDue and stats – with every SAF entry waiting for its timer, a read walks none of them (the earliest timer and the counts are kept)', async (t) => {
  const peer = await peerFor(t, () => undefined);
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: HOUR,
    saf: { enabled: true, journalDir: tempDir(t, 'saf-next-due-walk'), initialDelay: HOUR, retryInterval: HOUR },
  });
  await connector.connect();
  const before = Date.now();
  for (let i = 0; i < ENTRIES; i++) await connector.request(advice(String(300_000 + i)), { saf: true });
  const after = Date.now();
  const calls = 20;
  const steps = countMapSteps(ENTRIES - 1);
  let dues: (number | undefined)[];
  let pending: number[];
  let walked: number;
  try {
    dues = Array.from({ length: calls }, () => connector.safNextDue());
    pending = Array.from({ length: calls }, () => connector.stats().reversalsPending);
  } finally {
    walked = steps.stop();
  }
  for (const due of dues) assert.ok(due !== undefined && due >= before + HOUR - 5 && due <= after + HOUR + 5, `due ${due}: the first entry's first attempt, an hour after it was stored`);
  assert.deepEqual(pending, Array.from({ length: calls }, () => 0), 'advices: no reversal pending');
  assert.equal(connector.stats().safDepth, ENTRIES);
  assert.equal(walked, 0, `${walked} steps through the queue's ${ENTRIES} entries in ${2 * calls} reads`);
});
