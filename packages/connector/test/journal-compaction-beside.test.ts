// A compaction while the journal runs holds no append for its syncs: the live entries of a snapshot go into the next
// file while appends go on to the journal, the records that took effect meanwhile are carried over after them, then
// the next file is renamed over the journal. A crash at any point (the file as it is then, opened by the next start in
// another folder) loses no acknowledged record. The file handle's writes are wrapped (helpers/write-faults.ts): the
// write whose bytes carry a marker is held until the test lets it go, so that the order of events is the test's, not
// the disk's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { FileJournal, JOURNAL_FILE } from '../src/index.js';
import type { SpareFile } from '../src/journal-spare.js';
import { gate, writeFaults } from './helpers/write-faults.js';

function dir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'iso8583-fjc-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '2': '4111111111111111', '11': '000001', '41': id } });

/** The entries the next start reads from the journal file as it is now (a crash now), sorted. */
async function crashNow(t: { after(fn: () => void): void }, j: FileJournal): Promise<string[]> {
  const after = dir(t);
  copyFileSync(j.path, join(after, JOURNAL_FILE));
  const next = new FileJournal(after, { compactInterval: 0 });
  const ids = (await next.open()).map((e) => e.id).sort();
  await next.close();
  return ids;
}

test('FileJournal – appends go on while a compaction writes its file; a crash before, during or after its carry and rename loses nothing', async (t) => {
  const d = dir(t);
  const { rules } = await writeFaults(t, d);
  const j = new FileJournal(d, { compactAt: 600, preallocate: 64 * 1024, compactInterval: 0 });
  await j.open();
  // The next file made ahead is ready: the compaction writes the live entries into it with one write.
  assert.equal(await (j as unknown as { spare: SpareFile }).spare.whenReady(), true);
  await j.add(entry('snap1'));
  // The compaction's write of the live entries (snap1's add is among them, and in no later batch) is held.
  const snapshot = { started: gate(), held: gate() };
  rules.push({ marker: '"id":"snap1"', started: snapshot.started.open, gate: snapshot.held.promise });
  for (const id of ['x1', 'x2', 'x3', 'x4', 'x5', 'x6']) await j.add(entry(id));
  await within(snapshot.started.promise, 5000, 'the compaction past compactAt writing its live entries');
  assert.equal(j.batches.compactions, 1, 'only the one of open is done');

  // Appends are acknowledged while the compaction's write is in flight.
  await within(Promise.all([j.add(entry('during1')), j.done('x1', 'not-needed')]), 5000, 'appends while the compaction writes its file');
  const live = ['during1', 'snap1', 'x2', 'x3', 'x4', 'x5', 'x6'];
  assert.deepEqual(await crashNow(t, j), live, 'a crash while the next file is written: the journal holds every acknowledged record');

  // The records that took effect meanwhile are carried into the next file: that write is held in turn.
  const carry = { started: gate(), held: gate() };
  rules.push({ marker: '"id":"during1"', started: carry.started.open, gate: carry.held.promise });
  const compacted = new Promise<void>((resolve) => j.once('compact', () => resolve()));
  snapshot.held.open();
  await within(carry.started.promise, 5000, 'the carry of the records made during the compaction');
  await within(j.add(entry('during2')), 5000, 'an append while the carry is in flight');
  assert.deepEqual(await crashNow(t, j), [...live, 'during2'].sort(), 'a crash before the rename: the journal is still the file acknowledged records went to');

  carry.held.open();
  await within(compacted, 5000, 'the compaction');
  assert.equal(j.batches.compactions, 2);
  assert.deepEqual(await crashNow(t, j), [...live, 'during2'].sort(), 'a crash after the rename: the new file holds the snapshot and every record carried over');
  await j.add(entry('after1'));
  await j.done('x2', 'not-needed');
  await j.close();
  const again = new FileJournal(d, { compactInterval: 0 });
  assert.deepEqual((await again.open()).map((e) => e.id).sort(), ['after1', 'during1', 'during2', 'snap1', 'x3', 'x4', 'x5', 'x6']);
  await again.close();
});

test('FileJournal – a done of an add that was in flight at the snapshot, and an attempt after that done, are carried in order', async (t) => {
  const d = dir(t);
  const { rules } = await writeFaults(t, d);
  const j = new FileJournal(d, { compactAt: 600, preallocate: 64 * 1024, compactInterval: 0 });
  await j.open();
  if (j.concurrentWrites < 2) return t.skip('one write in flight at a time here: no batch is in flight at a snapshot');
  assert.equal(await (j as unknown as { spare: SpareFile }).spare.whenReady(), true);
  await j.add(entry('snap1'));
  // Batch A (past compactAt) and batch B (inflight's add) are both in flight; A takes effect first and starts the
  // compaction, whose snapshot therefore lacks inflight's add.
  const a = { started: gate(), held: gate() };
  rules.push({ marker: '"id":"x1"', started: a.started.open, gate: a.held.promise });
  const addsA = Promise.all(['x1', 'x2', 'x3', 'x4', 'x5', 'x6'].map((id) => j.add(entry(id))));
  await within(a.started.promise, 5000, 'the write of batch A');
  const b = { started: gate(), held: gate() };
  rules.push({ marker: '"id":"inflight"', started: b.started.open, gate: b.held.promise });
  const addB = j.add(entry('inflight'));
  await within(b.started.promise, 5000, 'the write of batch B beside batch A');
  const snapshot = { started: gate(), held: gate() };
  rules.push({ marker: '"id":"x2"', started: snapshot.started.open, gate: snapshot.held.promise });
  a.held.open();
  await within(addsA, 5000, 'batch A acknowledged');
  // Batch A, taking effect, started the compaction it made due (batch B still in flight); x7 goes beside it.
  const addC = j.add(entry('x7'));
  await within(snapshot.started.promise, 5000, 'the compaction writing its snapshot while batch B is in flight');
  b.held.open();
  await within(Promise.all([addB, addC]), 5000, 'batch B acknowledged after the snapshot');
  // Taken effect during the compaction: carried after the snapshot, in this order.
  await within(j.done('inflight', 'not-needed'), 5000, 'the done of inflight');
  await within(j.attempt('inflight', 2), 5000, 'an attempt after its done');
  await within(j.attempt('snap1', 3), 5000, 'an attempt of an entry of the snapshot');
  await within(j.done('x1', 'not-needed'), 5000, 'a done of an entry of the snapshot');
  const compacted = new Promise<void>((resolve) => j.once('compact', () => resolve()));
  snapshot.held.open();
  await within(compacted, 5000, 'the compaction');
  assert.equal(j.batches.compactions, 2);
  assert.deepEqual(await crashNow(t, j), ['snap1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7'], 'a crash after the rename: inflight done, x1 done');
  await j.close();
  const again = new FileJournal(d, { compactInterval: 0 });
  const entries = await again.open();
  await again.close();
  assert.deepEqual(entries.map((e) => e.id).sort(), ['snap1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7']);
  assert.equal(entries.find((e) => e.id === 'snap1')?.attempts, 3, 'the attempt carried after the snapshot');
});
