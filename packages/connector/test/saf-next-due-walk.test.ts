// What a graceful stop reads on each `saf` event (Connector.safNextDue) does not walk every entry of the SAF queue
// while one of them can move now: a backlog waiting for a place among the attempts in flight (`saf.maxInFlight`) is
// due now, and so is the whole queue; one entry says so. A stop with 100,000 entries would otherwise walk them all on
// each event. Nor, with every entry ended and its `done` waiting to be tried again (a store out of reach), does it walk
// the ends (saf-ends.ts). Real sockets, a real journal; the walk is counted (the steps through the queue's maps), not
// timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { advice, safEvent } from './helpers/reversals.js';
import type { JournalEntry, SafStore } from '../src/index.js';

const HOUR = 3_600_000;
const ENTRIES = 200;

/**
 * Counts the steps taken through Maps of more than `min` entries by their `values()` or `keys()` from now until
 * `stop()` (which puts `Map.prototype.values` and `keys` back and gives the count).
 */
function countMapSteps(min: number): { stop(): number } {
  const { values, keys } = Map.prototype;
  let steps = 0;
  const counting = <T>(walk: () => MapIterator<T>) =>
    function counted(this: Map<unknown, unknown>): MapIterator<T> {
      const it = walk.call(this);
      if (this.size <= min) return it;
      const next = it.next.bind(it);
      it.next = () => {
        steps += 1;
        return next();
      };
      return it;
    };
  Map.prototype.values = counting(values);
  Map.prototype.keys = counting(keys);
  return {
    stop: () => {
      Map.prototype.values = values;
      Map.prototype.keys = keys;
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

test('safNextDue and stats – with every SAF entry ended and its done waiting to be tried again (a store out of reach), a read walks none of the ends', async (t) => {
  const peer = await peerFor(t, () => undefined);
  // Entries journaled an hour ago, read back at the start with saf.expireAfter past: each given up (expired), its
  // `done` refused by a store out of reach, and tried again an hour later.
  const at = Date.now() - HOUR;
  const entries: JournalEntry[] = Array.from({ length: ENTRIES }, (_, i) => ({
    id: `e${i}`,
    kind: i % 4 === 0 ? 'reversal' : 'advice',
    at,
    reversal: { '0': i % 4 === 0 ? '0420' : '0220', '4': '000000001000', '11': String(400_000 + i), '41': 'TERM0001' },
  }));
  const unavailable = Object.assign(new Error('the store is out of reach'), { code: 'ISO8583_ERR_CONNECTOR_STORE_UNAVAILABLE' });
  const journal: SafStore = {
    open: () => Promise.resolve(entries),
    add: () => Promise.resolve(),
    attempt: () => Promise.resolve(),
    done: () => Promise.reject(unavailable),
    close: () => Promise.resolve(),
  };
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: HOUR,
    saf: { enabled: true, journal, expireAfter: 1000, retryInterval: HOUR },
  });
  let waiting = 0;
  let all: () => void = () => undefined;
  const allWaiting = new Promise<void>((resolve) => (all = resolve));
  connector.on('saf', (e) => {
    if (e.stage === 'waiting' && ++waiting === ENTRIES) all();
  });
  connector.on('error', () => undefined);
  const before = performance.now();
  await connector.connect();
  await allWaiting;
  const after = performance.now();
  const calls = 20;
  const steps = countMapSteps(ENTRIES - 1);
  let dues: (number | undefined)[];
  let pending: number[];
  let depths: number[];
  let walked: number;
  try {
    dues = Array.from({ length: calls }, () => connector.safNextDue());
    pending = Array.from({ length: calls }, () => connector.stats().reversalsPending);
    depths = Array.from({ length: calls }, () => connector.stats().safDepth);
  } finally {
    walked = steps.stop();
  }
  // safNextDue is wall time: the retry's monotonic due moved onto the wall clock at the read.
  const skew = Date.now() - performance.now();
  for (const due of dues) assert.ok(due !== undefined && due >= before + skew + HOUR - 5 && due <= after + skew + HOUR + 5, `due ${due}: the first end's next try of its done, an hour after it failed`);
  assert.deepEqual(pending, Array.from({ length: calls }, () => ENTRIES / 4), 'one entry in four a reversal, none ended yet');
  assert.deepEqual(depths, Array.from({ length: calls }, () => ENTRIES), 'every end waits for its done: the whole depth');
  assert.equal(walked, 0, `${walked} steps through the queue's ${ENTRIES} ends in ${3 * calls} reads`);
});
