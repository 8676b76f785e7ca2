// A flush of a large SAF backlog (what a graceful stop asks: a bank down for a while, then a stop with thousands of
// reversals waiting for their next attempt) looks at the entries a chunk a turn of the event loop
// (SAF_FLUSH_TURN_ENTRIES), not all in one: the requests still in flight during the stop are answered between the
// chunks. Every entry waiting is still sent early, each exactly once. Real sockets, a real file journal; the work
// done in the flush's own turn is counted (its timers cleared), not timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { SafEvent } from '../src/index.js';
import { SAF_FLUSH_TURN_ENTRIES } from '../src/saf-flush.js';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { entry } from './helpers/journal-fill.js';

/** Resolves once `count` SAF events of `stage` have come; `byId` counts them by entry id. */
function events(connector: { on(event: 'saf', listener: (e: SafEvent) => void): unknown }, stage: SafEvent['stage'], count: number): { came: Promise<void>; byId: Map<string, number> } {
  const byId = new Map<string, number>();
  let seen = 0;
  const came = new Promise<void>((resolve) =>
    connector.on('saf', (e) => {
      if (e.stage !== stage) return;
      byId.set(e.id, (byId.get(e.id) ?? 0) + 1);
      if (++seen === count) resolve();
    }),
  );
  return { came, byId };
}

test('flushSaf of a backlog larger than a chunk sends SAF_FLUSH_TURN_ENTRIES early in its own turn, the others in later turns, each once', async (t) => {
  const count = 2 * SAF_FLUSH_TURN_ENTRIES + 7;
  const dir = tempDir(t, 'saf-flush-turns');
  // Reversals journaled now, left by an earlier run: each waits for its hour-long initial delay once read back.
  const journal = new FileJournal(dir, { compactInterval: 0 });
  await journal.open();
  const ids = Array.from({ length: count }, (_, i) => `f${i}`);
  for (let i = 0; i < count; i += 512) await Promise.all(ids.slice(i, i + 512).map((id) => journal.add({ ...entry(id), at: Date.now() })));
  await journal.close();
  const peer = await peerFor(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir }, saf: { initialDelay: 3_600_000 } });
  const queued = events(connector, 'queued', count);
  const sent = events(connector, 'sent', count);
  const answered = events(connector, 'answered', count);
  await connector.connect();
  await within(queued.came, 30_000, `the ${count} entries queued`);
  assert.equal(sent.byId.size, 0, 'each waits for its initial delay');
  // The timers the flush clears in its own turn: one for each entry it sends early.
  const clear = globalThis.clearTimeout;
  let cleared = 0;
  globalThis.clearTimeout = ((timer: Parameters<typeof clearTimeout>[0]) => {
    cleared += 1;
    clear(timer);
  }) as typeof clearTimeout;
  let now: number;
  try {
    now = connector.flushSaf();
  } finally {
    globalThis.clearTimeout = clear;
  }
  assert.equal(now, SAF_FLUSH_TURN_ENTRIES, 'sent early in its own turn');
  assert.ok(cleared <= SAF_FLUSH_TURN_ENTRIES, `${cleared} timers cleared in the flush's turn (at most ${SAF_FLUSH_TURN_ENTRIES})`);
  await within(answered.came, 60_000, `an "answered" event for each of the ${count} entries`);
  assert.deepEqual([...sent.byId.values()].filter((n) => n !== 1), [], 'each entry sent once');
  assert.equal(sent.byId.size, count);
  assert.equal(peer.received.length, count, 'the host got each once');
  assert.equal(connector.stats().safDepth, 0);
});
