// A journal's open with many open entries (a restart after a long outage of the bank) does not hold the event loop for
// the whole file: the file is replayed, each entry's line made, and the compacted file's text built, a chunk of lines
// at a time with a turn of the event loop between two. A gateway opens its other upstreams' journals while its first
// upstream link connects and sends what its journal held (cli gateway.ts). Real files; the turns are counted, not
// timed: each turn of a `setImmediate` chain records how many lines were parsed and how many entries loaded by then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, JOURNAL_FILE } from '../src/index.js';
import { COMPACT_CHUNK_LINES } from '../src/journal-compaction.js';
import { REPLAY_TURN_BLANK_BYTES, REPLAY_TURN_LINES, readJournal, readJournalInTurns } from '../src/journal-read.js';
import { tempDir } from './helpers/setup.js';
import { filledJournal } from './helpers/journal-fill.js';
import { writeFaults } from './helpers/write-faults.js';
import { countWholeListings } from './helpers/whole-listings.js';

test('readJournalInTurns – what readJournal gives (bad lines and a cut last line included), with a turn of the event loop every REPLAY_TURN_LINES lines', async (t) => {
  const { dir } = await filledJournal(t, 'open-turns', 2 * REPLAY_TURN_LINES + 5);
  const whole = readFileSync(join(dir, JOURNAL_FILE), 'latin1').replace(/\n+$/, '\n');
  const data = Buffer.from(`${whole}not a record\n${whole.slice(0, 40)}\n\n`, 'latin1');
  let turned = false;
  setImmediate(() => (turned = true));
  const replaying = readJournalInTurns(data);
  assert.equal(turned, false);
  const contents = await replaying;
  assert.equal(turned, true, 'a turn of the event loop ran meanwhile');
  assert.deepEqual(contents, readJournal(data));
  assert.equal(contents.live.size, 2 * REPLAY_TURN_LINES + 5);
  assert.deepEqual(contents.bad.map((b) => b.cut), [false, true]);
});

test('readJournalInTurns – a long blank tail (the preallocated part) is passed over in turns too: one every REPLAY_TURN_BLANK_BYTES', async (t) => {
  const { dir } = await filledJournal(t, 'open-turns', 3);
  const records = readFileSync(join(dir, JOURNAL_FILE), 'latin1').replace(/\n+$/, '\n');
  // Records, a gap, a record, then a blank tail of four turns' worth (a preallocation of 32 MiB).
  const tail = 4 * REPLAY_TURN_BLANK_BYTES;
  const data = Buffer.concat([Buffer.from(`${records}\n\n\n${records.split('\n')[0]}\n`, 'latin1'), Buffer.alloc(tail, 0x0a)]);
  let turns = 0;
  let running = true;
  const tick = (): void => {
    turns += 1;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const contents = await readJournalInTurns(data).finally(() => (running = false));
  assert.ok(turns >= tail / REPLAY_TURN_BLANK_BYTES - 1, `turns of the event loop while the blank tail was passed over: ${turns}`);
  assert.deepEqual(contents, readJournal(data));
  assert.equal(contents.live.size, 3);
  assert.equal(contents.bad.length, 0);
});

test('FileJournal – open replays a large file and makes its entries\' lines a chunk at a time, a turn of the event loop between two', async (t) => {
  const { dir, ids } = await filledJournal(t, 'open-turns', 3 * REPLAY_TURN_LINES + 10);
  // Every line the open parses goes through JSON.parse: counted between two turns (restored once the open is done).
  const parse = JSON.parse;
  let parsed = 0;
  JSON.parse = ((...args: Parameters<typeof JSON.parse>) => {
    parsed += 1;
    return parse(...args);
  }) as typeof JSON.parse;
  const j = new FileJournal(dir, { compactInterval: 0 });
  t.after(() => j.close());
  let mostPerTurn = 0;
  let last = 0;
  const sizes = new Set<number>();
  let running = true;
  const tick = (): void => {
    mostPerTurn = Math.max(mostPerTurn, parsed - last);
    last = parsed;
    sizes.add(j.size);
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    assert.equal((await j.open()).length, ids.length);
  } finally {
    running = false;
    JSON.parse = parse;
  }
  assert.ok(parsed >= ids.length, `every line parsed (${parsed})`);
  assert.ok(mostPerTurn <= REPLAY_TURN_LINES + 64, `at most a chunk of lines parsed in one turn (${mostPerTurn} of ${ids.length})`);
  const partly = [...sizes].filter((n) => n > 0 && n < ids.length);
  assert.ok(partly.length >= 2, `turns ran while the entries were being loaded (sizes seen: ${[...sizes].join(', ')})`);
});

test('FileJournal – the compaction at open builds its text in chunks, as while running: the file it writes holds every open entry, once', async (t) => {
  const { dir, ids } = await filledJournal(t, 'open-turns', 2 * COMPACT_CHUNK_LINES + 10);
  const { rules } = await writeFaults(t, dir);
  // The open's write of the compacted file (e0's add is in its first chunk): the views of its records.
  let records = -1;
  rules.push({ marker: '"id":"e0"', method: 'writev', started: (views) => (records = views.filter((v) => Buffer.from(v).includes('"op":"add"')).length) });
  const j = new FileJournal(dir, { compactInterval: 0 });
  t.after(() => j.close());
  assert.equal((await j.open()).length, ids.length);
  assert.equal(records, 3, 'its records written as the chunks compactedChunks built (a turn of the event loop between two)');
  // What the next start reads (a copy of the file now: a crash now).
  const after = tempDir(t, 'open-turns-crash');
  copyFileSync(j.path, join(after, JOURNAL_FILE));
  const next = new FileJournal(after, { compactInterval: 0 });
  const read = (await next.open()).map((e) => e.id).sort();
  await next.close();
  assert.deepEqual(read, [...ids].sort(), 'every open entry, once');
});

test('FileJournal – the compaction at open takes its lines as they were made, not all the live entries in one call (a turn of about 110 ms at 100,000)', async (t) => {
  const { dir, ids } = await filledJournal(t, 'open-turns', 2 * COMPACT_CHUNK_LINES + 10);
  const j = new FileJournal(dir, { compactInterval: 0 });
  t.after(() => j.close());
  // Every call listing a whole collection larger than a chunk (the journal's live lines among them) is counted.
  const listings = countWholeListings(COMPACT_CHUNK_LINES);
  let whole: number;
  try {
    assert.equal((await j.open()).length, ids.length);
  } finally {
    whole = listings.stop();
  }
  assert.equal(whole, 0, 'no listing of every live line in one call during the open');
  // The file it wrote holds every open entry, once (what the next start reads).
  const next = new FileJournal(tempDir(t, 'open-turns-lines'), { compactInterval: 0 });
  copyFileSync(j.path, join(next.dir, JOURNAL_FILE));
  assert.deepEqual((await next.open()).map((e) => e.id).sort(), [...ids].sort());
  await next.close();
});
