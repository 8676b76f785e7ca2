// No turn of a running journal walks every open entry (a bank down for a while: 100,000 reversals open): a compaction's
// snapshot is taken a chunk at a time across turns (journal-live.ts), and whether a compaction at growth is worth it is
// read from a running count. Taken across turns, the snapshot is still the live entries of one instant: a line that
// changes, or an entry done, before the walk reached it is taken as it was, so that the records carried after the
// snapshot (journal-writes.ts `carried`) apply to it exactly once. Real files; walks are counted, not timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { FileJournal, JOURNAL_FILE } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';
import { COMPACT_CHUNK_LINES } from '../src/journal-compaction.js';
import { LiveLines } from '../src/journal-live.js';
import type { LiveSnapshot } from '../src/journal-live.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';
import { addAll, entry } from './helpers/journal-fill.js';
import { countWholeListings } from './helpers/whole-listings.js';
import { gate } from './helpers/write-faults.js';

/** Every line of `snapshot`, taking `max` at a time, calling `between` after each take. */
function takeAll(snapshot: LiveSnapshot, max: number, between: (taken: number) => void = () => undefined): string[] {
  const all: string[] = [];
  for (let lines = snapshot.take(max); lines !== undefined; lines = snapshot.take(max)) {
    all.push(...lines);
    between(all.length);
  }
  return all;
}

test('LiveLines – a snapshot taken a few lines at a time gives the lines of its instant, whatever changes meanwhile; bytes counted as they change', () => {
  const live = new LiveLines();
  for (let i = 0; i < 6; i++) live.set(`e${i}`, `add e${i}`);
  assert.equal(live.bytes, 6 * 'add e0\n'.length);
  const snapshot = live.snapshot();
  const lines = takeAll(snapshot, 2, (taken) => {
    if (taken !== 2) return;
    // e0 and e1 taken; the others not yet.
    live.delete('e1');
    live.set('e0', 'attempt e0');
    live.delete('e2');
    live.set('e3', 'attempt e3');
    live.set('e3', 'attempt again e3');
    live.delete('e4');
    live.set('e4', 'add e4 again');
    live.set('after', 'add after');
  });
  assert.deepEqual(lines, ['add e0', 'add e1', 'add e2', 'add e3', 'add e4', 'add e5'], 'the lines when the snapshot was taken, in the order added');
  assert.equal(live.size, 5);
  assert.deepEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'after'].map((id) => live.get(id)), ['attempt e0', undefined, undefined, 'attempt again e3', 'add e4 again', 'add e5', 'add after']);
  assert.equal(live.bytes, ['attempt e0', 'attempt again e3', 'add e4 again', 'add e5', 'add after'].reduce((n, l) => n + l.length + 1, 0));
  // The entries done during the walk are gone from the list once it passed them: the next snapshot is the map's.
  assert.deepEqual(takeAll(live.snapshot(), 100), ['attempt e0', 'attempt again e3', 'add e5', 'add e4 again', 'add after']);
  assert.equal(live.snapshot().take(1)?.length, 1);
  // A new snapshot ends the one before; `clear` ends any.
  const first = live.snapshot();
  const second = live.snapshot();
  assert.equal(first.take(10), undefined);
  live.clear();
  assert.equal(second.take(10), undefined);
  assert.equal(live.size + live.bytes, 0);
  assert.equal(live.snapshot().take(10), undefined);
});

/** The entries the next start reads from the journal file as it is now (a crash now), by id, and its warnings. */
async function crashNow(t: AfterHook, j: FileJournal): Promise<{ entries: Map<string, JournalEntry>; warnings: number }> {
  const after = tempDir(t, 'walk-crash');
  copyFileSync(j.path, join(after, JOURNAL_FILE));
  const { logger, lines } = capturedLogger('warn');
  const next = new FileJournal(after, { compactInterval: 0, logger });
  const entries = new Map((await next.open()).map((e) => [e.id, e] as const));
  await next.close();
  return { entries, warnings: lines.length };
}

test('FileJournal – a compaction while running takes its snapshot in chunks: no listing of every open entry in one call', async (t) => {
  const dir = tempDir(t, 'walk');
  const j = new FileJournal(dir, { compactInterval: 1 });
  t.after(() => j.close());
  await j.open();
  const ids = Array.from({ length: 2 * COMPACT_CHUNK_LINES + 10 }, (_, i) => `e${i}`);
  await addAll(j, ids);
  const compacted = new Promise<{ live: number }>((resolve) => j.once('compact', resolve));
  const listings = countWholeListings(COMPACT_CHUNK_LINES);
  let whole: number;
  try {
    // A done: the compaction is due 1 ms later.
    await j.done('e1', 'not-needed');
    assert.equal((await within(compacted, 10_000, 'the compaction')).live, ids.length - 1);
  } finally {
    whole = listings.stop();
  }
  assert.equal(whole, 0, 'no listing of every live line in one call while the journal compacted');
  const { entries, warnings } = await crashNow(t, j);
  assert.deepEqual([...entries.keys()].sort(), ids.filter((id) => id !== 'e1').sort());
  assert.equal(warnings, 0);
});

test('FileJournal – a journal of open entries that outgrows its preallocated part does not count every entry\'s line to see whether a compaction is worth it', async (t) => {
  const dir = tempDir(t, 'walk-grow');
  const j = new FileJournal(dir, { compactInterval: 0, preallocate: 64 * 1024 });
  t.after(() => j.close());
  await j.open();
  await addAll(j, Array.from({ length: 2 * COMPACT_CHUNK_LINES + 10 }, (_, i) => `e${i}`));
  const size = statSync(j.path).size;
  const compactions = j.batches.compactions;
  const listings = countWholeListings(COMPACT_CHUNK_LINES);
  let whole: number;
  try {
    // About 1,000 lines more than the 64 KiB ahead of the records: it grows, a batch of 64 at a time (no write in flight).
    for (let i = 0; i < 16; i++) await addAll(j, Array.from({ length: 64 }, (_, k) => `g${i}-${k}`));
  } finally {
    whole = listings.stop();
  }
  assert.ok(statSync(j.path).size > size, 'the file grew');
  assert.equal(j.batches.compactions, compactions, 'no compaction: the open entries are the whole file');
  assert.equal(whole, 0, 'no listing of every live line in one call at its growth');
});

test('FileJournal – entries added, attempted and done while the snapshot is taken, before and after its walk reached them: the new file holds each as acknowledged, once, with no orphan done', async (t) => {
  const dir = tempDir(t, 'walk-held');
  const j = new FileJournal(dir, { compactInterval: 1 });
  t.after(() => j.close());
  await j.open();
  const n = 2 * COMPACT_CHUNK_LINES + 10;
  const ids = Array.from({ length: n }, (_, i) => `e${i}`);
  await addAll(j, ids);
  // The snapshot's walk is held after its first chunk (taking nothing, a turn at a time) until the appends took effect.
  const live = (j as unknown as { live: LiveLines }).live;
  const snapshot = live.snapshot.bind(live);
  let tookEffect = false;
  let heldTurns = 0;
  const firstTaken = gate();
  live.snapshot = () => {
    const s = snapshot();
    let takes = 0;
    return {
      take: (max) => {
        if (takes++ === 0) {
          const lines = s.take(max);
          firstTaken.open();
          return lines;
        }
        if (!tookEffect) {
          heldTurns += 1;
          return [];
        }
        return s.take(max);
      },
    };
  };
  const compacted = new Promise<{ live: number }>((resolve) => j.once('compact', resolve));
  await j.done('e1', 'not-needed');
  await within(firstTaken.promise, 5000, 'the walk of the snapshot');
  // e3 was taken in the first chunk; the others are in the later ones, not taken yet.
  const late = (k: number): string => `e${COMPACT_CHUNK_LINES + k}`;
  const appends = Promise.all([
    j.add(entry('during')),
    j.done('e3', 'not-needed'),
    j.done(late(1), 'not-needed'),
    j.attempt(late(2), 2),
    j.done(late(3), 'not-needed').then(() => j.add(entry(late(3)))),
    j.add(entry('gone-during')).then(() => j.done('gone-during', 'not-needed')),
  ]);
  await within(appends, 5000, 'the appends during the walk');
  // A crash now: the journal is still the old file, which holds every acknowledged record.
  const expected = ids.filter((id) => !['e1', 'e3', late(1)].includes(id)).concat('during').sort();
  const before = await crashNow(t, j);
  assert.deepEqual([...before.entries.keys()].sort(), expected, 'a crash during the walk: the old file holds every acknowledged record');
  tookEffect = true;
  assert.equal((await within(compacted, 10_000, 'the compaction')).live, expected.length);
  assert.ok(heldTurns > 0, 'the appends took effect while the walk had chunks left');
  const { entries, warnings } = await crashNow(t, j);
  assert.deepEqual([...entries.keys()].sort(), expected, 'the snapshot, less what was done during its walk, and what was added then');
  assert.equal(entries.get(late(2))?.attempts, 2, 'the attempt recorded during the walk');
  assert.equal(entries.get(late(3))?.attempts, 0);
  assert.equal(warnings, 0, 'no done of an entry the new file does not hold');
});
