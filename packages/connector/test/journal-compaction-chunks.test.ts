// A compaction while running builds the text of its snapshot in chunks, a turn of the event loop between two, so that
// it does not hold the appends for the whole text (about 0.6 s of CPU for 230,000 open entries); the snapshot is the
// live entries' lines copied in one turn, and the records that take effect after it are carried, so the new file holds
// exactly what was acknowledged. Real files; the snapshot's write is held (helpers/write-faults.ts) so that the order
// of events is the test's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { FileJournal, JOURNAL_FILE } from '../src/index.js';
import { COMPACT_CHUNK_LINES, compactedChunks } from '../src/journal-compaction.js';
import { LiveLines } from '../src/journal-live.js';
import { addLine } from '../src/journal-record.js';
import { tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';
import { gate, writeFaults } from './helpers/write-faults.js';
import { addAll, entry } from './helpers/journal-fill.js';


test('compactedChunks – the live entries\' add lines, each ended by a newline, in chunks of COMPACT_CHUNK_LINES lines, with a turn of the event loop between two', async () => {
  const live = new LiveLines();
  const lines: string[] = [];
  for (let i = 0; i < 2 * COMPACT_CHUNK_LINES + 3; i++) {
    lines.push(addLine(entry(`e${i}`)));
    live.set(`e${i}`, lines[i] as string);
  }
  let turned = false;
  setImmediate(() => (turned = true));
  const building = compactedChunks(live.snapshot());
  assert.equal(turned, false);
  const { chunks, bytes } = await building;
  assert.equal(turned, true, 'a turn of the event loop ran while the chunks were built');
  assert.equal(chunks.length, 3);
  const whole = Buffer.from(lines.map((line) => line + '\n').join(''));
  assert.deepEqual(Buffer.concat(chunks), whole, 'byte for byte');
  assert.equal(bytes, whole.length);
  assert.deepEqual(await compactedChunks(new LiveLines().snapshot()), { chunks: [], bytes: 0 });
});

/** The entries the next start reads from the journal file as it is now (a crash now), sorted. */
async function crashNow(t: AfterHook, j: FileJournal): Promise<string[]> {
  const after = tempDir(t, 'chunks-crash');
  copyFileSync(j.path, join(after, JOURNAL_FILE));
  const next = new FileJournal(after, { compactInterval: 0 });
  const ids = (await next.open()).map((e) => e.id).sort();
  await next.close();
  return ids;
}

test('FileJournal – a compaction whose snapshot spans several chunks: the new file holds the snapshot and every record acknowledged meanwhile, once', async (t) => {
  const dir = tempDir(t, 'chunks');
  const { rules } = await writeFaults(t, dir);
  const j = new FileJournal(dir, { compactInterval: 1 });
  t.after(() => j.close());
  await j.open();
  const ids = Array.from({ length: 2 * COMPACT_CHUNK_LINES + 10 }, (_, i) => `e${i}`);
  await addAll(j, ids);
  // The compaction's write of its snapshot (e0's add is in its first chunk, and in no later batch) is held.
  const snapshot = { started: gate(), held: gate() };
  rules.push({ marker: '"id":"e0"', started: snapshot.started.open, gate: snapshot.held.promise });
  const compacted = new Promise<{ live: number }>((resolve) => j.once('compact', resolve));
  // A done: the compaction is due 1 ms later.
  await j.done('e1', 'not-needed');
  await within(snapshot.started.promise, 5000, 'the compaction writing its snapshot');
  await within(Promise.all([j.add(entry('during')), j.done('e2', 'not-needed')]), 5000, 'appends while the compaction writes');
  const live = [...ids.filter((id) => id !== 'e1' && id !== 'e2'), 'during'].sort();
  snapshot.held.open();
  assert.equal((await within(compacted, 10_000, 'the compaction')).live, live.length);
  assert.deepEqual(await crashNow(t, j), live, 'the snapshot, less the entry done after it, and the entry added after it');
});
