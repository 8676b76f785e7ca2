// Which bad lines of a journal file read back as cut by a crash (logged at info: their requests never left) and which
// as corruption (warn: a durable record was damaged). A cut record is a beginning of a record: the last line of the
// file (newlines after it: a file that ends inside it was cut short itself), or a line the rest of whose write is still
// the preallocated blank lines. A whole line that fails to parse is
// corruption wherever it is, also before a gap of blank lines that a failed batch left in the middle of the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readJournal } from '../src/journal-read.js';
import { addLine } from '../src/journal-record.js';

const add = (id: string): string => JSON.stringify({ op: 'add', id, reversal: { '0': '0400', '11': '000001', '41': id }, at: 1 });
/** A record as written today (with its checksum), one character inside it changed (a damaged block): still whole, no longer JSON. */
const damaged = (id: string): string =>
  addLine({ id, at: 1, reversal: { '0': '0400', '11': '000001', '41': id } }).replace('"reversal":', '"reversal";');
const file = (...lines: string[]): Buffer => Buffer.from(lines.map((l) => `${l}\n`).join(''));

test('readJournal – a record cut halfway before blank lines, with a later write durable, is cut', () => {
  const cutLine = add('a1').slice(0, 30);
  const read = readJournal(file(add('k1'), cutLine, '', '', add('b1'), '', ''));
  assert.deepEqual([...read.live.keys()], ['k1', 'b1']);
  assert.deepEqual(read.bad.map((b) => b.cut), [true]);
});

test('readJournal – a whole record damaged in place before a gap of blank lines is corruption, not cut', () => {
  const read = readJournal(file(add('k1'), damaged('a1'), '', '', add('b1')));
  assert.deepEqual([...read.live.keys()], ['k1', 'b1']);
  assert.deepEqual(read.bad.map((b) => b.cut), [false]);
  // A line of an older version (no checksum) damaged so: it ends in `}` and has its `,"at":` member, which a torn line
  // never has (it can end in `}` only at its message's end, before `,"at":`): whole, so corruption too.
  const old = readJournal(file(add('k1'), add('a1').replace('"reversal":', '"reversal";'), '', '', add('b1')));
  assert.deepEqual(old.bad.map((b) => b.cut), [false]);
  // Torn right after its message's closing brace: a cut.
  const torn = readJournal(file(add('k1'), add('a1').slice(0, add('a1').indexOf(',"at":')), '', '', add('b1')));
  assert.deepEqual(torn.bad.map((b) => b.cut), [true]);
});

test('readJournal – the last line cut short is cut; a last line of other bytes is corruption', () => {
  assert.deepEqual(readJournal(file(add('k1'), add('a1').slice(0, 12))).bad.map((b) => b.cut), [true]);
  assert.deepEqual(readJournal(file(add('k1'), 'not a record')).bad.map((b) => b.cut), [false]);
});

test('readJournal – a file that ends inside a record (cut with the file, no newline after it) is corruption, not a crash cut', () => {
  // A crash tears a write inside the preallocated blank lines: newlines follow the torn line. A file that ends in it
  // was cut short itself (a truncation, a copy that stopped): the records after it are gone.
  const truncated = Buffer.from(`${add('k1')}\n${add('k2')}\n${add('a1').slice(0, 30)}`);
  const read = readJournal(truncated);
  assert.deepEqual([...read.live.keys()], ['k1', 'k2']);
  assert.deepEqual(read.bad.map((b) => ({ cut: b.cut, endsFile: b.endsFile })), [{ cut: false, endsFile: true }]);
  // The same torn line with the preallocated blank lines after it: a crash cut.
  const torn = readJournal(Buffer.concat([truncated, Buffer.from('\n\n\n')]));
  assert.deepEqual(torn.bad.map((b) => ({ cut: b.cut, endsFile: b.endsFile })), [{ cut: true, endsFile: false }]);
});
