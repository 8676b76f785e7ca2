// The file journal keeps each live entry as its `add` line (what a compaction writes), not as the caller's object:
// what was journaled is what a compaction and a later start see, attempts included; an entry added as JSON text
// (`addJson`, the connector's reversals) is the same line as the same entry added as an object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FileJournal } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';
import { tempDir } from './helpers/setup.js';

/** A line without its checksum (journal-checksum.ts): the record's JSON as it was before the checksum. */
const unsealed = (line: string): string => line.replace(/,"crc":"[0-9a-f]{8}"\}$/, '}');

/** Adds and closes `filler` entries until the journal compacted `times` more times. */
async function compactions(j: FileJournal, times: number): Promise<void> {
  const target = j.batches.compactions + times;
  for (let i = 0; j.batches.compactions < target; i++) {
    if (i > 10_000) throw new Error('the journal never compacted');
    await j.add({ id: `filler-${i}`, at: 1, reversal: { '0': '0400', '11': '000001' } });
    await j.done(`filler-${i}`, 'not-needed');
  }
}

test('FileJournal – an entry changed by its caller after add is kept as it was journaled, through a compaction and a reopen', async (t) => {
  const d = tempDir(t, 'fjl');
  const j = new FileJournal(d, { compactAt: 4000 });
  await j.open();
  const entry: JournalEntry = { id: 'kept', at: 5, reversal: { '0': '0400', '4': '000000001000', '11': '000042' } };
  await j.add(entry);
  entry.reversal['4'] = '000000999999';
  entry.at = 6;
  await compactions(j, 1);
  await j.close();
  const again = new FileJournal(d);
  assert.deepEqual(await again.open(), [{ id: 'kept', at: 5, attempts: 0, reversal: { '0': '0400', '4': '000000001000', '11': '000042' } }]);
  await again.close();
});

test('FileJournal – attempts recorded before a compaction are in the compacted file (a later start repeats, 0401)', async (t) => {
  const d = tempDir(t, 'fjl');
  const j = new FileJournal(d, { compactAt: 4000 });
  await j.open();
  await j.add({ id: 'sent', at: 5, reversal: { '0': '0400', '11': '000042' } });
  await j.add({ id: 'advice', at: 7, kind: 'advice', reversal: { '0': '0220', '11': '000043' } });
  await j.attempt('sent', 2);
  await j.attempt('sent', 1); // an older attempt does not lower the count
  await j.attempt('advice', 1);
  await compactions(j, 1);
  // Only the live entries are left in the file's records: the attempt lines are gone, their counts in the add lines.
  const records = readFileSync(j.path, 'utf8').split('\n').filter((l) => l !== '' && !l.includes('filler')).map(unsealed);
  assert.deepEqual(records, [
    '{"op":"add","id":"sent","reversal":{"0":"0400","11":"000042"},"at":5,"attempts":2}',
    '{"op":"add","id":"advice","reversal":{"0":"0220","11":"000043"},"at":7,"attempts":1,"kind":"advice"}',
  ]);
  await j.close();
  const again = new FileJournal(d);
  const left = await again.open();
  assert.deepEqual(
    left.map((e) => [e.id, e.attempts, e.kind]),
    [
      ['sent', 2, undefined],
      ['advice', 1, 'advice'],
    ],
  );
  await again.close();
});

test('FileJournal – addJson writes the line add writes for the same entry', async (t) => {
  const d = tempDir(t, 'fjl');
  const j = new FileJournal(d);
  await j.open();
  const reversal = { '0': '0400', '2': '4111111111111111', '4': '000000001000', '90': '0200000042' + '0'.repeat(32), '127': { '2': 'x"y' } };
  await j.add({ id: 'as-object', at: 9, reversal });
  await j.addJson('as-text', JSON.stringify(reversal), 9);
  await j.close();
  const lines = readFileSync(j.path, 'utf8').split('\n').filter((l) => l !== '').map(unsealed);
  assert.equal(lines.length, 2);
  assert.equal((lines[1] as string).replace('"as-text"', '"as-object"'), lines[0]);
  const again = new FileJournal(d);
  const left = await again.open();
  assert.deepEqual(left[1], { id: 'as-text', at: 9, attempts: 0, reversal });
  await again.close();
});
