// When a compaction of the running file journal starts: as soon as the batch that made it due took effect (not at the
// next append), again at once when the records carried over during one took the new file past `compactAt`, not at
// every write when the open entries alone are past `compactAt`, as soon as a compaction or a recovery ends when a
// `compactInterval` tick came meanwhile, and after a failure on a timer (not at every batch: a full disk failed and
// logged one per write), the spare file made again for it. Real files; a fault injector on the file handle's writes
// (helpers/write-faults.ts) holds or fails the write carrying a marker, so that the order of events is the test's, not
// the disk's; the interval's ticks and the retry's timer are mocked where a test says so.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { within } from '@iso8583/test-support';
import { FileJournal, LOCK_FILE } from '../src/index.js';
import { COMPACT_RETRY_FIRST } from '../src/journal-compaction-due.js';
import type { SpareFile } from '../src/journal-spare.js';
import { tempDir } from './helpers/setup.js';
import { gate, writeFaults } from './helpers/write-faults.js';

const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '2': '4111111111111111', '11': '000001', '41': id } });
const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const spareOf = (j: FileJournal): SpareFile => (j as unknown as { spare: SpareFile }).spare;
type Compact = { live: number; bytes: number; spare: boolean };
const nextCompact = (j: FileJournal): Promise<Compact> => (once(j, 'compact') as Promise<[Compact]>).then(([e]) => e);

test('FileJournal – a compaction starts once the batch that made it due took effect, a later batch still in flight and no append after it', async (t) => {
  const dir = tempDir(t, 'due-in-flight');
  const faults = await writeFaults(t, dir);
  const j = new FileJournal(dir, { compactAt: 600, preallocate: 64 * 1024, compactInterval: 0 });
  await j.open();
  const a = { started: gate(), held: gate() };
  const b = { started: gate(), held: gate() };
  t.after(() => {
    a.held.open();
    b.held.open();
    return j.close();
  });
  if (j.concurrentWrites < 2) return t.skip('one write in flight at a time here: no batch is in flight when one takes effect');
  assert.equal(await spareOf(j).whenReady(), true);
  // Batch A (past compactAt) is held, then batch B beside it.
  faults.rules.push({ marker: '"id":"a1"', started: a.started.open, gate: a.held.promise });
  const addsA = Promise.all(ids('a', 6).map((id) => j.add(entry(id))));
  await within(a.started.promise, 5000, 'the write of batch A');
  faults.rules.push({ marker: '"id":"b1"', started: b.started.open, gate: b.held.promise });
  const addB = j.add(entry('b1'));
  await within(b.started.promise, 5000, 'the write of batch B beside batch A');
  // The compaction's snapshot holds a1's add: its write says the compaction started.
  const snapshot = gate();
  faults.rules.push({ marker: '"id":"a1"', started: snapshot.open });
  a.held.open();
  await within(addsA, 5000, 'batch A acknowledged');
  await within(snapshot.promise, 5000, 'the compaction batch A made due, while batch B is in flight and nothing is appended');
  const compacted = nextCompact(j);
  b.held.open();
  await within(addB, 5000, 'batch B acknowledged (carried into the new file)');
  await within(compacted, 5000, 'the compaction');
  assert.equal(j.batches.compactions, 2);
});

test('FileJournal – records carried over during a compaction that take the new file past compactAt are compacted away at once, the journal quiet', async (t) => {
  const dir = tempDir(t, 'due-carried');
  const faults = await writeFaults(t, dir);
  const j = new FileJournal(dir, { compactAt: 1900, preallocate: 64 * 1024, compactInterval: 0 });
  await j.open();
  assert.equal(await spareOf(j).whenReady(), true);
  await j.add(entry('snap1'));
  await Promise.all(ids('x', 8).map((id) => j.add(entry(id))));
  await Promise.all(ids('x', 8).map((id) => j.done(id, 'not-needed')));
  assert.equal(j.batches.compactions, 1, 'under compactAt so far');
  // The next batch passes compactAt: the compaction's snapshot (snap1, y1, y2) is held while 15 entries are added
  // and answered, then carried over after it: twice compactAt.
  const snapshot = { started: gate(), held: gate() };
  faults.rules.push({ marker: '"id":"snap1"', started: snapshot.started.open, gate: snapshot.held.promise });
  await Promise.all(['y1', 'y2'].map((id) => j.add(entry(id))));
  await within(snapshot.started.promise, 5000, 'the compaction past compactAt writing its snapshot');
  await Promise.all(ids('c', 15).map((id) => j.add(entry(id))));
  await Promise.all(ids('c', 15).map((id) => j.done(id, 'not-needed')));
  const first = nextCompact(j);
  snapshot.held.open();
  const { bytes } = await within(first, 5000, 'the compaction');
  assert.ok(bytes > 1900, `the records carried over took the new file past compactAt (${bytes} bytes)`);
  // Nothing is appended from now on.
  const second = await within(nextCompact(j), 5000, 'a compaction of the records carried past compactAt, with no append');
  assert.equal(second.live, 3);
  assert.ok(second.bytes < 400, `the carried records compacted away: the 3 live entries (${second.bytes} bytes)`);
  await j.close();
  assert.equal(j.batches.compactions, 3, 'and none after it (nothing carried over that time)');
  const again = new FileJournal(dir, { compactInterval: 0 });
  assert.deepEqual((await again.open()).map((e) => e.id).sort(), ['snap1', 'y1', 'y2']);
  await again.close();
});

test('FileJournal – open entries alone past compactAt: the file grows to twice their text between compactions, not a compaction at every write', async (t) => {
  const dir = tempDir(t, 'due-live');
  const j = new FileJournal(dir, { compactAt: 2000, preallocate: 64 * 1024, compactInterval: 0 });
  await j.open();
  t.after(() => j.close());
  // 30 open entries: about 4.5 KB of add lines, more than compactAt.
  await Promise.all(ids('live', 30).map((id) => j.add(entry(id))));
  const compacted = nextCompact(j);
  await j.add(entry('last'));
  await j.done('last', 'not-needed');
  const { live, bytes: liveText } = await within(compacted, 5000, 'the compaction past compactAt');
  // On a busy machine the batch of "last" can be written before the compaction takes its snapshot (its done after):
  // then it is carried over open too.
  assert.ok(live === 30 || live === 31, `the 30 open entries (and "last" when its add was written first): ${live}`);
  assert.ok(liveText > 2000, `the open entries alone are past compactAt (${liveText} bytes)`);
  const before = j.batches.compactions;
  // 120 writes of about 150 bytes (18 KB): one compaction each time the file grew by the open entries' text again.
  for (const id of ids('p', 60)) {
    await j.add(entry(id));
    await j.done(id, 'not-needed');
  }
  const during = j.batches.compactions - before;
  // Each compaction past compactAt needs as much again as the open entries' text appended since the one before it
  // (however long each took): at most 18 KB / 4 KB of them, where each write made one due before.
  assert.ok(during >= 1 && during <= 6, `${during} compactions over 120 writes (one at most every ${liveText} bytes)`);
  await j.close();
  const again = new FileJournal(dir, { compactInterval: 0 });
  assert.equal((await again.open()).length, 30, 'the open entries, each once');
  await again.close();
});

test('FileJournal – a compactInterval tick while a compaction runs is kept: a done carried over is compacted away when it ends, not an interval later', async (t) => {
  const dir = tempDir(t, 'due-tick');
  const faults = await writeFaults(t, dir);
  // The interval's ticks are the test's (setTimeout stays real: `within` waits with it).
  t.mock.timers.enable({ apis: ['setInterval'] });
  const j = new FileJournal(dir, { preallocate: 64 * 1024, compactInterval: 1000 });
  await j.open();
  const snapshot = { started: gate(), held: gate() };
  const carry = { started: gate(), held: gate() };
  t.after(() => {
    snapshot.held.open();
    carry.held.open();
    return j.close();
  });
  assert.equal(await spareOf(j).whenReady(), true);
  await Promise.all(['keep1', 'd1', 'd2'].map((id) => j.add(entry(id))));
  await j.done('d1', 'not-needed');
  // The first tick: d1 marked done, a compaction starts; its snapshot (keep1, d2) is held.
  faults.rules.push({ marker: '"id":"keep1"', started: snapshot.started.open, gate: snapshot.held.promise });
  t.mock.timers.tick(1000);
  await within(snapshot.started.promise, 5000, 'the compaction of the first tick writing its snapshot');
  // d2 marked done after the snapshot (its write goes through): carried over into the new file, and that write held.
  faults.rules.push({ marker: '"id":"d2"' }, { marker: '"id":"d2"', started: carry.started.open, gate: carry.held.promise });
  await j.done('d2', 'not-needed');
  snapshot.held.open();
  await within(carry.started.promise, 5000, 'the compaction carrying d2\'s done over');
  // The second tick comes while that compaction runs.
  t.mock.timers.tick(1000);
  const first = nextCompact(j);
  carry.held.open();
  assert.equal((await within(first, 5000, 'the compaction of the first tick')).live, 1);
  assert.match(readFileSync(j.path, 'utf8'), /"id":"d2"/, 'd2 carried over (its add and its done)');
  // No tick from now on: the one that came during the compaction makes the next one due as it ended.
  const second = await within(nextCompact(j), 5000, 'the compaction of the tick that came during the first');
  assert.equal(second.live, 1, 'keep1');
  assert.doesNotMatch(readFileSync(j.path, 'utf8'), /"id":"d2"/, 'd2 compacted away');
});

test('FileJournal – a compactInterval tick during the recovery from a failed write is kept: the compaction starts once the recovery ends', async (t) => {
  const dir = tempDir(t, 'due-tick-recovery');
  const faults = await writeFaults(t, dir);
  t.mock.timers.enable({ apis: ['setInterval'] });
  const j = new FileJournal(dir, { preallocate: 64 * 1024, compactInterval: 1000 });
  await j.open();
  const failing = { started: gate(), held: gate() };
  const blanking = { started: gate(), held: gate() };
  const through = gate();
  t.after(() => {
    failing.held.open();
    blanking.held.open();
    return j.close();
  });
  if (j.concurrentWrites < 2) return t.skip('one write in flight at a time here: no write goes through beside a failed one');
  await Promise.all(['k0', 'd1'].map((id) => j.add(entry(id))));
  await j.done('d1', 'not-needed');
  // a1's write puts half its bytes in the file and fails, b1's goes through beside it: the recovery blanks a1's bytes
  // (alone, no record taking effect), and that write is held.
  faults.rules.push(
    { marker: '"id":"a1"', started: failing.started.open, gate: failing.held.promise, cut: true },
    { marker: '"id":"b1"', started: through.open },
    { blank: 65_536, started: blanking.started.open, gate: blanking.held.promise },
  );
  const a1 = j.add(entry('a1'));
  await within(failing.started.promise, 5000, 'the write of a1');
  const b1 = j.add(entry('b1'));
  await within(through.promise, 5000, 'the write of b1 beside it');
  failing.held.open();
  await within(blanking.started.promise, 5000, 'the recovery blanking a1\'s bytes');
  // The tick comes during the recovery: d1 marked done, nothing compacted yet.
  t.mock.timers.tick(1000);
  const compacted = nextCompact(j);
  blanking.held.open();
  await assert.rejects(a1, /cannot be written/);
  await within(b1, 5000, 'b1 acknowledged once a1\'s bytes are blank');
  // No tick from now on: the one during the recovery starts the compaction as it ends.
  assert.equal((await within(compacted, 5000, 'the compaction of the tick that came during the recovery')).live, 2, 'k0 and b1');
  assert.doesNotMatch(readFileSync(j.path, 'utf8'), /"id":"d1"/, 'd1 compacted away');
});

/** A logger whose lines the test reads, and a promise of the first line with `msg`. */
function loggerWaiting(msg: string): { logger: pino.Logger; lines: { msg?: string; spare?: boolean; path?: string }[]; seen: Promise<void> } {
  const lines: { msg?: string }[] = [];
  let saw: () => void = () => undefined;
  const seen = new Promise<void>((resolve) => (saw = resolve));
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString()) as { msg?: string };
      lines.push(line);
      if (line.msg === msg) saw();
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines, seen };
}

/** `promise` within `ms` by a real interval (this test mocks `setTimeout`, which `within` waits with). */
function realWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setInterval(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearInterval(timer));
}

const FAILED = 'the reversal journal cannot be compacted';

/**
 * A journal (`compactAt` 1000, a 64 KiB spare file, no `compactInterval`) holding keep1, whose next compaction's write
 * of its snapshot (keep1's add) meets `rule` (helpers/write-faults.ts): `fail` (EIO, the spare file it took removed) or
 * `cut` (half its bytes written, then ENOSPC).
 */
async function failingSnapshot(
  t: TestContext,
  name: string,
  rule: { fail: true } | { cut: true },
): Promise<{ dir: string; j: FileJournal; lines: { msg?: string; spare?: boolean; path?: string }[]; seen: Promise<void> }> {
  const dir = tempDir(t, name);
  const faults = await writeFaults(t, dir);
  const { logger, lines, seen } = loggerWaiting(FAILED);
  const j = new FileJournal(dir, { compactAt: 1000, preallocate: 64 * 1024, compactInterval: 0, logger });
  await j.open();
  t.after(() => j.close());
  assert.equal(await spareOf(j).whenReady(), true);
  await j.add(entry('keep1'));
  faults.rules.push({ marker: '"id":"keep1"', ...rule });
  return { dir, j, lines, seen };
}

test('FileJournal – a failed compaction is tried again on a timer, not at every batch past compactAt, quiet or not, into the spare file made again', async (t) => {
  // The compaction's write of its snapshot (keep1's add) fails once, with EIO; the spare file it took is removed.
  const { dir, j, lines, seen } = await failingSnapshot(t, 'due-retry', { fail: true });
  t.mock.timers.enable({ apis: ['setTimeout'] });
  await Promise.all(ids('p', 8).map((id) => j.add(entry(id))));
  await realWithin(seen, 5000, 'the compaction past compactAt to fail');
  assert.equal(await realWithin(spareOf(j).whenReady(), 5000, 'the spare file'), true, 'the spare file is made again for the retry');
  // Every batch from now on is past compactAt: none starts a compaction until the retry is due.
  for (const id of ids('q', 20)) {
    await j.add(entry(id));
    await j.done(id, 'not-needed');
  }
  assert.deepEqual(lines.filter((l) => l.msg === FAILED).map((l) => l.path), [join(dir, 'reversals.jsonl')], 'failed (and logged) once, naming the file');
  assert.equal(j.batches.compactions, 1, 'no compaction tried at the batches after the failure');
  // The journal quiet, the retry is due: it compacts, into the spare file.
  t.mock.timers.tick(COMPACT_RETRY_FIRST - 1);
  assert.equal(j.batches.compactions, 1);
  const compacted = nextCompact(j);
  t.mock.timers.tick(1);
  t.mock.timers.reset();
  const event = await within(compacted, 5000, 'the compaction tried again');
  assert.equal(event.spare, true, 'into the spare file made again');
  assert.equal(event.live, 9, 'keep1 and the p entries');
  assert.equal(lines.filter((l) => l.msg === FAILED).length, 1);
});

test('FileJournal – a compaction that failed for want of space does not make the spare file again (it would take the room appends grow into)', async (t) => {
  // The compaction's write of its snapshot puts half its bytes in the spare file, then fails with ENOSPC.
  const { dir, j, seen } = await failingSnapshot(t, 'due-no-room', { cut: true });
  await Promise.all(ids('p', 8).map((id) => j.add(entry(id))));
  await within(seen, 5000, 'the compaction past compactAt to fail');
  assert.equal(await spareOf(j).whenReady(), false, 'no spare file made again');
  assert.equal(existsSync(join(dir, 'reversals.jsonl.next')), false);
});

test('FileJournal – a journal that stopped while a failed compaction waited for its retry tries none', async (t) => {
  const { dir, j, lines, seen } = await failingSnapshot(t, 'due-stopped', { fail: true });
  t.mock.timers.enable({ apis: ['setTimeout'] });
  await Promise.all(ids('p', 8).map((id) => j.add(entry(id))));
  await realWithin(seen, 5000, 'the compaction past compactAt to fail');
  // Its lock removed, the journal stops at the next append (acknowledged: it is in the file the next start reads).
  unlinkSync(join(dir, LOCK_FILE));
  await j.add(entry('late'));
  await assert.rejects(j.add(entry('later')), /stopped/);
  const stops = (): number => lines.filter((l) => typeof l.msg === 'string' && l.msg.includes('stopped because')).length;
  assert.equal(stops(), 1);
  t.mock.timers.tick(COMPACT_RETRY_FIRST);
  assert.equal(stops(), 1, 'no compaction started (which would find the lock lost and stop it again)');
  assert.equal(lines.filter((l) => l.msg === FAILED).length, 1);
});
