// A crash tears a journal write: what reaches the file is a beginning of a record, then the preallocated blank lines.
// It never leaves a record of full length with bytes changed: such a line is damaged (warn), never a crash cut (info),
// wherever it is, also when the damage is in its checksum (a line that reached its checksum reached its end). A record
// damaged in one byte of its checksum only still matches it: mended and recovered. A damaged `add` that cannot be read
// is logged at error with what identifies it (never card data). And a journal file always ends with a blank line: one
// that ends right after a record was cut short there (records after it may be lost), which is warned of. Real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { FileJournal } from '../src/index.js';
import { readJournal } from '../src/journal-read.js';
import { addLine, doneLine } from '../src/journal-record.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

const reversal = (stan: string) => ({ '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': stan, '37': '000000000042', '41': 'TERM0001' });
const add = (id: string, stan = '000001'): string => addLine({ id, at: 1, reversal: reversal(stan) });

/** The lines, each with its newline, then `blank` blank lines (the preallocated tail). */
const file = (lines: string[], blank = 3): Buffer => Buffer.from(lines.map((l) => `${l}\n`).join('') + '\n'.repeat(blank));

test('readJournal – no single flipped bit in the last two records (an add, a done), their newlines or the tail reads as a crash cut', () => {
  const data = file([add('k1'), add('k2'), doneLine('k1', 'not-needed', 2)]);
  const from = data.indexOf(`{"op":"add","id":"k2"`);
  // Every byte: the newline after the last record too (a whole record and a stray byte is no record cut short).
  const to = data.length;
  let cut = 0;
  let flips = 0;
  for (let i = from; i < to; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const d = Buffer.from(data);
      (d[i] as number) ^= 1 << bit;
      flips += 1;
      if (readJournal(d).bad.some((b) => b.cut)) cut += 1;
    }
  }
  assert.ok(flips > 1500, String(flips));
  assert.equal(cut, 0, `${cut} of ${flips} flips read as a crash cut`);
});

test('readJournal – every beginning of the last record, and of one before a gap, is a crash cut (also one ending in a brace)', () => {
  const line = add('a1');
  let brace = 0;
  for (let n = 1; n < line.length; n++) {
    const torn = line.slice(0, n);
    // No beginning ends as its checksum does (its bytes are those of the record shifted): each is a crash's cut, also
    // the one that ends in the `}` of its message.
    const expected = true;
    if (torn.endsWith('}')) brace += 1;
    const last = readJournal(file([add('k1'), torn]));
    assert.deepEqual(last.bad.map((b) => b.cut), [expected], `last, ${n} bytes`);
    const middle = readJournal(file([add('k1'), torn, '', add('b1')]));
    assert.deepEqual(middle.bad.map((b) => b.cut), [expected], `middle, ${n} bytes`);
    assert.deepEqual([...middle.live.keys()], ['k1', 'b1']);
  }
  assert.ok(brace >= 1, 'a beginning that ends in the message\'s brace was tried');
});

test('journal – an add torn just after its message\'s closing brace (a kill before its request left): a crash cut at info, no error', async (t) => {
  const dir = tempDir(t, 'journal-damage');
  const j = new FileJournal(dir, { preallocate: 4096, compactInterval: 0 });
  await j.open();
  await j.add({ id: 'k1', at: 1, reversal: reversal('000010') });
  await j.close();
  const path = `${dir}/reversals.jsonl`;
  const line = add('k2', '000011');
  // What addLine writes is `"reversal":{…}` then `,"at":`: the crash tore the write right after the message's `}`.
  const torn = line.slice(0, line.indexOf('},"at":') + 1);
  assert.ok(torn.endsWith('}}') || torn.endsWith('"}'), torn.slice(-10));
  const bytes = readFileSync(path);
  const blankFrom = bytes.indexOf('\n\n') + 1;
  writeFileSync(path, Buffer.concat([bytes.subarray(0, blankFrom), Buffer.from(`${torn}\n`), bytes.subarray(blankFrom + torn.length + 1)]));
  const { logger, lines } = capturedLogger();
  const again = new FileJournal(dir, { preallocate: 4096, compactInterval: 0, logger });
  assert.deepEqual((await again.open()).map((e) => e.id), ['k1']);
  await again.close();
  assert.deepEqual(lines.filter((l) => Number(l.level) >= 50).map((l) => l.msg), []);
  assert.equal(lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CUT').length, 1);
});

test('readJournal – a record damaged in one byte of its checksum (its closing brace, its framing, a digit) is mended and replayed', () => {
  const line = add('k2');
  for (const back of [1, 2, 5, 12, 17]) {
    const d = file([add('k1'), line]);
    (d[d.indexOf(line) + line.length - back] as number) ^= 0x01;
    const read = readJournal(d);
    assert.deepEqual([...read.live.keys()], ['k1', 'k2'], `${back} bytes from its end`);
    assert.deepEqual(read.bad, []);
    assert.deepEqual(read.mended, [d.indexOf('{"op":"add","id":"k2"')]);
  }
});

test('journal – the last add flipped in its closing brace (a request that left, then a kill): its reversal is still owed, the mend warned', async (t) => {
  const dir = tempDir(t, 'journal-damage');
  const j = new FileJournal(dir, { preallocate: 4096, compactInterval: 0 });
  await j.open();
  await j.add({ id: 'k1', at: 1, reversal: reversal('000007') });
  await j.close();
  const path = `${dir}/reversals.jsonl`;
  const bytes = readFileSync(path);
  const end = bytes.indexOf('}\n') + 1;
  (bytes[end - 1] as number) ^= 0x01;
  writeFileSync(path, bytes);
  const { logger, lines } = capturedLogger();
  const again = new FileJournal(dir, { preallocate: 4096, compactInterval: 0, logger });
  assert.deepEqual((await again.open()).map((e) => e.reversal['11']), ['000007']);
  await again.close();
  assert.equal(lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CUT').length, 0);
  assert.deepEqual(lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT').map((l) => [l.level, l.mended]), [[40, [0]]]);
});

test('journal – a damaged add that cannot be mended: logged at error with its id, STAN, terminal and RRN, never its PAN', async (t) => {
  const dir = tempDir(t, 'journal-damage');
  const j = new FileJournal(dir, { preallocate: 4096, compactInterval: 0 });
  await j.open();
  await j.add({ id: 'k1', at: 1, reversal: reversal('000008') });
  await j.close();
  const path = `${dir}/reversals.jsonl`;
  const bytes = readFileSync(path);
  // A bit of the amount, and the closing brace: no checksum can vouch for its bytes.
  (bytes[bytes.indexOf('"4":"000000001000"') + 10] as number) ^= 0x01;
  (bytes[bytes.indexOf('}\n')] as number) ^= 0x01;
  writeFileSync(path, bytes);
  const { logger, lines, text } = capturedLogger();
  const again = new FileJournal(dir, { preallocate: 4096, compactInterval: 0, logger });
  assert.deepEqual(await again.open(), []);
  await again.close();
  assert.equal(lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CUT').length, 0);
  const errors = lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT' && l.level === 50);
  assert.deepEqual(
    errors.map((l) => l.damagedAdd),
    [{ offset: 0, op: 'add', id: 'k1', stan: '000008', terminal: 'TERM0001', rrn: '000000000042' }],
  );
  assert.equal(lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT' && l.level === 40).length, 1);
  assert.doesNotMatch(text(), /4111111111111111/);
});

test('readJournal – a file that ends right after a record (no blank line after it) was cut short at a line end', () => {
  assert.equal(readJournal(file([add('k1'), add('k2')], 0)).endsAtLine, true);
  assert.equal(readJournal(file([add('k1'), add('k2')], 1)).endsAtLine, false);
  assert.equal(readJournal(Buffer.from(`${add('k1')}\r\n${add('k2')}\r\n\r\n`)).endsAtLine, false);
  assert.equal(readJournal(file([], 5)).endsAtLine, false);
});

test('journal – a batch that fills the preallocated part to its last byte still leaves a blank line after it; a file cut at a line end is warned', async (t) => {
  const dir = tempDir(t, 'journal-damage');
  const e = { id: 'k1', at: 1, reversal: reversal('000009') };
  // The preallocated part is exactly the one record and its newline.
  const j = new FileJournal(dir, { preallocate: Buffer.byteLength(addLine(e)) + 1, compactInterval: 0 });
  await j.open();
  await j.add(e);
  await j.close();
  const path = `${dir}/reversals.jsonl`;
  assert.equal(readJournal(readFileSync(path)).endsAtLine, false);
  writeFileSync(path, `${addLine(e)}\n${add('k2')}\n`);
  const { logger, lines } = capturedLogger();
  const again = new FileJournal(dir, { compactInterval: 0, logger });
  assert.deepEqual((await again.open()).map((x) => x.id), ['k1', 'k2']);
  await again.close();
  const warned = lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT' && l.level === 40);
  assert.deepEqual(warned.map((l) => [l.endsFile, l.atLine]), [[true, true]]);
});

test('journal – a damaged add whose done is in the file (the reversal was sent and answered): warned, nothing owed, no error', async (t) => {
  const dir = tempDir(t, 'journal-damage');
  const path = `${dir}/reversals.jsonl`;
  // A bit of the amount and the closing brace of k1's add: it cannot be mended. Its done, and k2's owed add, intact.
  const k1 = Buffer.from(add('k1', '000012'));
  (k1[k1.indexOf('"4":"000000001000"') + 10] as number) ^= 0x01;
  (k1[k1.length - 1] as number) ^= 0x01;
  writeFileSync(path, Buffer.concat([k1, Buffer.from('\n'), file([doneLine('k1', 'reversed', 2), add('k2', '000013')], 64)]));
  const { logger, lines, text } = capturedLogger();
  const again = new FileJournal(dir, { preallocate: 4096, compactInterval: 0, logger });
  assert.deepEqual((await again.open()).map((e) => e.id), ['k2']);
  await again.close();
  assert.deepEqual(lines.filter((l) => Number(l.level) >= 50).map((l) => l.msg), []);
  const warned = lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT' && l.damagedAdd !== undefined);
  assert.deepEqual(
    warned.map((l) => [l.level, l.done, l.damagedAdd]),
    [[40, true, { offset: 0, op: 'add', id: 'k1', stan: '000012', terminal: 'TERM0001', rrn: '000000000042' }]],
  );
  assert.doesNotMatch(text(), /4111111111111111/);
});
