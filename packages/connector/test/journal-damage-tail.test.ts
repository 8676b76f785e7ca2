// What a torn sector or page owes (session 67 mends of the journal's damage reading). NULs the file ends in after its
// blank lines are a crash while it grew (nothing owed); right after a record they may be a torn page over an add that
// was synced (owed, at error). Damage over several adds counts each add whose start still reads, and says "one or more"
// when NULs may hide others. A huge merged line (a whole file's newlines damaged) is replayed in turns. Real files for
// the opens and the checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { FileJournal, owedInJournal, owedText } from '../src/index.js';
import { REPLAY_TURN_LINES, readJournal, readJournalInTurns } from '../src/journal-read.js';
import { damagedAdds } from '../src/journal-read-owed.js';
import { SHORTEST_ADD, sealedRecords } from '../src/journal-damage.js';
import { addLine, doneLine } from '../src/journal-record.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

const reversal = (stan: string) => ({ '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': stan, '37': '000000000042', '41': 'TERM0001' });
const add = (id: string, stan: string): string => addLine({ id, at: 1, reversal: reversal(stan) });

/** The file a FileJournal at `dir` wrote for `ids` (each an add, synced), closed. */
async function written(dir: string, ids: string[]): Promise<Buffer> {
  const j = new FileJournal(dir, { preallocate: 4096, compactInterval: 0 });
  await j.open();
  for (const [n, id] of ids.entries()) await j.add({ id, at: 1, reversal: reversal(String(n + 1).padStart(6, '0')) });
  await j.close();
  return readFileSync(`${dir}/reversals.jsonl`);
}

/** Opens the journal at `dir` with a captured logger: its live ids and its error lines. */
async function reopened(dir: string): Promise<{ ids: string[]; errors: Record<string, unknown>[]; text: string }> {
  const { logger, lines, text } = capturedLogger();
  const j = new FileJournal(dir, { preallocate: 4096, compactInterval: 0, logger });
  const ids = (await j.open()).map((e) => e.id);
  await j.close();
  return { ids, errors: lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT' && l.level === 50), text: text() };
}

test('journal – NULs the file ends in right after a record (a torn page from a line start over a synced add): owed, at error (sr66i #3)', async (t) => {
  const dir = tempDir(t, 'journal-damage-tail');
  const bytes = await written(dir, ['p1', 'p2', 'p3']);
  // p2 and p3 were synced; the page from p2's start to the end of the file reads as NULs.
  const from = bytes.indexOf('{"op":"add","id":"p2"');
  writeFileSync(`${dir}/reversals.jsonl`, Buffer.concat([bytes.subarray(0, from), Buffer.alloc(bytes.length - from)]));
  const owed = await owedInJournal(dir);
  assert.deepEqual(owed, { entries: 1, reversals: 1, damaged: 1, owed: 2, damagedMore: true });
  assert.match(owedText(owed), /, and 1 or more damaged entries that may be owed/);
  const { ids, errors, text } = await reopened(dir);
  assert.deepEqual(ids, ['p1']);
  assert.deepEqual(
    errors.map((l) => [l.damagedAdd, l.more]),
    [[{ offset: from, op: 'add' }, true]],
  );
  assert.match(String(errors[0]?.msg), /^one or more reversal or advice records/);
  assert.doesNotMatch(text, /4111111111111111/);
});

test('journal – NULs the file ends in after its blank lines (a crash while it grew), or too short for an add: nothing owed', async (t) => {
  const dir = tempDir(t, 'journal-damage-tail');
  const bytes = await written(dir, ['p1', 'p2']);
  // The growing write began after the last record; the blank lines before it were synced: NULs after them.
  const blank = bytes.indexOf('\n\n') + 2;
  writeFileSync(`${dir}/reversals.jsonl`, Buffer.concat([bytes.subarray(0, blank), Buffer.alloc(8192)]));
  assert.deepEqual(await owedInJournal(dir), { entries: 2, reversals: 2, damaged: 0, owed: 2 });
  const grew = await reopened(dir);
  assert.deepEqual([grew.ids, grew.errors], [['p1', 'p2'], []]);
  // Right after a record, but too short to have held an add and its newline.
  const line = readJournal(Buffer.concat([Buffer.from(`${add('a1', '000001')}\n`), Buffer.alloc(SHORTEST_ADD)]));
  assert.deepEqual(damagedAdds(line), []);
  const longer = readJournal(Buffer.concat([Buffer.from(`${add('a1', '000001')}\n`), Buffer.alloc(SHORTEST_ADD + 1)]));
  assert.equal(damagedAdds(longer).length, 1);
  // A CRLF file's blank line before them counts as one.
  const crlf = readJournal(Buffer.concat([Buffer.from(`${add('a1', '000001')}\r\n\r\n`), Buffer.alloc(4096)]));
  assert.deepEqual(damagedAdds(crlf), []);
});

test('readJournal – damage over several adds whose starts still read: each one counted and named, not one for the line (sr66h #2)', () => {
  const damaged = (id: string, stan: string): Buffer => {
    const b = Buffer.from(add(id, stan));
    (b[b.indexOf('"4":"') + 8] as number) ^= 0x01; // its amount: the checksum fails
    return b;
  };
  // A damaged sector over both adds and the newline between them (a flipped bit in it): one line, two adds.
  const merged = Buffer.concat([damaged('a1', '000001'), Buffer.from([0x0b]), damaged('a2', '000002')]);
  const read = readJournal(Buffer.concat([Buffer.from(`${add('a0', '000009')}\n`), merged, Buffer.from('\n\n\n')]));
  assert.deepEqual([...read.live.keys()], ['a0']);
  const start = add('a0', '000009').length + 1;
  assert.deepEqual(
    damagedAdds(read).map((d) => [d.offset - start, d.read.id, d.read.stan, d.more, d.done]),
    [
      [0, 'a1', '000001', false, false],
      [merged.indexOf('{"op":"add","id":"a2"'), 'a2', '000002', false, false],
    ],
  );
});

test('readJournal – a torn sector (NULs) over one add and the starts of others: "one or more" (sr66h #2)', () => {
  const lines = ['b1', 'b2', 'b3', 'b4'].map((id, n) => add(id, `00000${n + 1}`));
  const data = Buffer.from(`${lines.join('\n')}\n\n\n`);
  // From inside b1 to inside b3's message: b2 whole and the starts of b2 and b3 under NULs.
  data.fill(0, 20, (lines[0] as string).length + (lines[1] as string).length + 2 + (lines[2] as string).indexOf('"reversal":{') + 4);
  const read = readJournal(data);
  assert.deepEqual([...read.live.keys()], ['b4']);
  assert.deepEqual(
    damagedAdds(read).map((d) => [d.offset, d.more, d.done]),
    [[0, true, false]],
  );
});

test('readJournalInTurns – one huge merged line (every newline damaged) is replayed in turns, every record recovered (sr66h #5)', async () => {
  const n = 2 * REPLAY_TURN_LINES + 1;
  const records: string[] = [];
  for (let i = 0; i < n; i++) records.push(add(`m${i}`, String(i % 1_000_000).padStart(6, '0')));
  // Each newline between records flipped in one bit (0x0a to 0x0b): one line of them all.
  const data = Buffer.from(`${records.join('\v')}\n\n\n`);
  let turns = 0;
  const read = await readJournalInTurns(data, () => {
    turns += 1;
  });
  assert.equal(read.live.size, n);
  assert.ok(turns >= 2, `replayed in ${turns} turns`);
});

test('sealedRecords – linear in the line: a line of 20,000 checksums after one record start is read in well under a second (sr66h #5)', () => {
  // Each checksum was summed from the line's one record start: 20,000 sums of up to 360 KB (5.8 s measured, quadratic);
  // now one search forward (about 0.1 ms). The bound leaves four orders of magnitude for a busy machine.
  const line = Buffer.from('{"op":"' + ',"crc":"00000000"}'.repeat(20_000));
  const began = performance.now();
  assert.deepEqual([...sealedRecords(line)], []);
  const ms = performance.now() - began;
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});

test('readJournal – a damaged piece holding two adds (the second one\'s start damaged too) is never "nothing owed" on the first one\'s done (sr67e #2)', () => {
  const a1 = Buffer.from(add('a1', '000001'));
  (a1[a1.indexOf('"4":"') + 8] as number) ^= 0x01; // its amount: the checksum fails
  const a2 = Buffer.from(add('a2', '000002'));
  (a2[a2.indexOf('"add"') + 3] as number) ^= 0x01; // its add start no longer reads: one piece with a1
  const done = doneLine('a1', 'reversed', 2);
  const read = readJournal(Buffer.concat([a1, Buffer.from([0x0b]), a2, Buffer.from(`\n${done}\n\n\n`)]));
  assert.deepEqual(
    damagedAdds(read).map((d) => [d.read.id, d.more, d.done]),
    [['a1', true, false]],
  );
});
