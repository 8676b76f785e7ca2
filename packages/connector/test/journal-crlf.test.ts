// A journal file whose lines end in CRLF (copied or restored through a tool that converts line ends) reads back every
// record: the `\r` is not part of a record (a record's JSON never ends in one). And a file quarantined whole (no line
// of it a record) is mode 0600 whatever mode it was restored with: it holds what the journal held (a PAN).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { FileJournal, JOURNAL_FILE } from '../src/index.js';
import { readJournal } from '../src/journal-read.js';
import { tempDir } from './helpers/setup.js';

const reversal = (i: number): Record<string, string> => ({ '0': '0400', '2': '4111111111111111', '11': String(i).padStart(6, '0') });

test('FileJournal – a journal with CRLF line ends reads back every record, nothing quarantined, nothing logged', async (t) => {
  const dir = tempDir(t, 'crlf');
  const j = new FileJournal(dir, { preallocate: 64, compactInterval: 0 });
  await j.open();
  for (let i = 0; i < 5; i++) await j.add({ id: `e${i}`, reversal: reversal(i), at: 1 });
  await j.done('e1', 'not-needed');
  await j.close();
  const path = join(dir, JOURNAL_FILE);
  writeFileSync(path, readFileSync(path, 'latin1').replace(/\n/g, '\r\n'), 'latin1');
  const read = readJournal(readFileSync(path));
  assert.deepEqual([...read.live.keys()], ['e0', 'e2', 'e3', 'e4']);
  assert.equal(read.bad.length, 0);
  const logs: { code?: string }[] = [];
  const again = new FileJournal(dir, { compactInterval: 0, logger: pino({ level: 'info' }, { write: (s: string) => logs.push(JSON.parse(s) as { code?: string }) }) });
  const back = await again.open();
  await again.close();
  assert.deepEqual(back.map((e) => e.id), ['e0', 'e2', 'e3', 'e4']);
  assert.deepEqual(logs.map((l) => l.code).filter((c) => c !== undefined), []);
  assert.deepEqual(readdirSync(dir), [JOURNAL_FILE]);
  // Rewritten by the compaction at open with the journal's own line ends.
  assert.equal(readFileSync(path, 'latin1').includes('\r'), false);
});

test('FileJournal – a file quarantined whole (restored with mode 0644) is mode 0600', async (t) => {
  const dir = tempDir(t, 'crlf');
  const path = join(dir, JOURNAL_FILE);
  writeFileSync(path, 'not a record 4111111111111111\n\n\n');
  chmodSync(path, 0o644);
  const j = new FileJournal(dir, { compactInterval: 0 });
  assert.deepEqual(await j.open(), []);
  await j.close();
  const kept = readdirSync(dir).filter((n) => n.startsWith(`${JOURNAL_FILE}.corrupt-`));
  assert.equal(kept.length, 1);
  assert.equal(statSync(join(dir, kept[0] as string)).mode & 0o777, 0o600);
  assert.equal(statSync(path).mode & 0o777, 0o600);
});
