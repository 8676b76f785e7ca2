// The file journal: durable appends, group commit, compaction, and lines cut by a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';

function dir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'iso8583-fj-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '11': id.padStart(6, '0').slice(-6) } });

test('FileJournal – entries added and not done survive a reopen; done ones do not; the file is mode 0600', async (t) => {
  const d = dir(t);
  const j = new FileJournal(d);
  await j.open();
  await Promise.all([j.add(entry('1')), j.add(entry('2')), j.add(entry('3'))]);
  await j.done('2', 'not-needed');
  await j.close();
  assert.equal(statSync(j.path).mode & 0o777, 0o600);
  const again = new FileJournal(d);
  assert.deepEqual((await again.open()).map((e) => e.id), ['1', '3']);
  await again.close();
});

test('FileJournal – a last line cut by a crash is ignored', async (t) => {
  const d = dir(t);
  const j = new FileJournal(d);
  await j.open();
  await j.add(entry('7'));
  await j.close();
  appendFileSync(j.path, '{"op":"add","id":"8","reversal":{"0":"04');
  const again = new FileJournal(d);
  assert.deepEqual((await again.open()).map((e) => e.id), ['7']);
  await again.close();
});

test('FileJournal – past compactAt the file is rewritten with only its live entries', async (t) => {
  const d = dir(t);
  const j = new FileJournal(d, { compactAt: 2000 });
  await j.open();
  for (let i = 0; i < 40; i++) {
    await j.add(entry(String(i)));
    if (i !== 17) await j.done(String(i), 'not-needed');
  }
  // A compaction runs beside the appends: when the loop ends one may still be writing its file (and one more be due at
  // its end, for the records carried after its snapshot). Each ends with a 'compact' event; the file is read again then.
  while (readFileSync(j.path, 'utf8').trimEnd().length >= 2000 + 200) await within(once(j, 'compact'), 10_000, 'the compaction of a file past compactAt');
  assert.ok(j.batches.compactions >= 2, 'compacted while running, not only at open');
  assert.equal(j.size, 1);
  await j.close();
  const lines = readFileSync(j.path, 'utf8').split('\n').filter((l) => l !== '');
  assert.ok(lines.some((l) => l.includes('"id":"17"')));
  for (const l of lines) JSON.parse(l); // JSON lines, then preallocated empty lines
  const again = new FileJournal(d);
  assert.deepEqual((await again.open()).map((e) => e.id), ['17']);
  await again.close();
});

test('FileJournal – an unwritable folder fails with ISO8583_ERR_CONNECTOR_JOURNAL naming the option', async (t) => {
  const d = dir(t);
  appendFileSync(join(d, 'file'), 'x');
  const j = new FileJournal(join(d, 'file', 'sub'));
  await assert.rejects(j.open(), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL', field: 'reversal.journalDir' });
});

test('FileJournal – group commit: records added in the same turn share one write and fsync; later ones the next', async (t) => {
  const d = dir(t);
  const j = new FileJournal(d, { batchRecords: 1000 });
  await j.open();
  const first = Array.from({ length: 100 }, (_, i) => j.add(entry(String(i))));
  assert.deepEqual(j.batches, { batches: 0, records: 0, compactions: 1 });
  await Promise.all(first);
  assert.deepEqual(j.batches, { batches: 1, records: 100, compactions: 1 });
  // Done records and adds of the next turn travel together.
  const second = [...Array.from({ length: 50 }, (_, i) => j.done(String(i), 'not-needed')), j.add(entry('100'))];
  await Promise.all(second);
  assert.deepEqual(j.batches, { batches: 2, records: 151, compactions: 1 });
  await j.close();
  const again = new FileJournal(d);
  assert.equal((await again.open()).length, 51);
  await again.close();
});

test('FileJournal – batchRecords: a batch that reaches it starts at once, the rest of the turn goes in the next', async (t) => {
  const d = dir(t);
  const j = new FileJournal(d, { batchRecords: 16 });
  await j.open();
  const added = Array.from({ length: 40 }, (_, i) => j.add(entry(String(i))));
  // Two batches of 16 started in this turn, both in flight; the last 8 wait for the end of the turn.
  assert.equal(j.writeStats.maxInFlight, 2);
  await Promise.all(added);
  assert.deepEqual(j.batches, { batches: 3, records: 40, compactions: 1 });
  await j.close();
  const again = new FileJournal(d);
  assert.equal((await again.open()).length, 40);
  await again.close();
});

test('FileJournal – batchRecords out of range is refused with ISO8583_ERR_CONNECTOR_OPTIONS naming it', () => {
  for (const bad of [0, 65537, 2.5, Number.NaN]) {
    assert.throws(() => new FileJournal('/nonexistent', { batchRecords: bad }), (err: { code?: string; message?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && /batchRecords/.test(String(err.message)));
  }
});

test('FileJournal – the file is preallocated with empty lines; records overwrite them, and a record cut by a crash is ignored', async (t) => {
  const d = dir(t);
  const j = new FileJournal(d);
  await j.open();
  const empty = statSync(j.path).size;
  assert.ok(empty > 0, 'preallocated');
  await j.add(entry('1'));
  await j.add(entry('2'));
  assert.equal(statSync(j.path).size, empty, 'the size does not change while records fit');
  await j.close();
  const text = readFileSync(j.path, 'utf8');
  assert.match(text, /^\{"op":"add","id":"1".*\n\{"op":"add","id":"2".*\n\n+$/);
  // A crash in the middle of a write: part of a record, then the preallocated newlines.
  const cut = text.replace(/\n\n/, '\n{"op":"add","id":"3","reversal":{"0":"04\n');
  writeFileSync(j.path, cut);
  const again = new FileJournal(d);
  assert.deepEqual((await again.open()).map((e) => e.id), ['1', '2']);
  await again.close();
});

test('FileJournal – records past the preallocated part grow the file by another part; nothing is lost', async (t) => {
  const d = dir(t);
  const j = new FileJournal(d, { preallocate: 1000 });
  await j.open();
  assert.equal(statSync(j.path).size, 1000);
  for (let i = 0; i < 60; i++) await j.add(entry(String(i)));
  const size = statSync(j.path).size;
  const records = readFileSync(j.path, 'utf8').trimEnd().length + 1;
  assert.ok(size > records && size <= records + 1000 + 60, `grown past its records, by up to one part (${size}, ${records})`);
  await j.close();
  const again = new FileJournal(d);
  assert.equal((await again.open()).length, 60);
  await again.close();
});
