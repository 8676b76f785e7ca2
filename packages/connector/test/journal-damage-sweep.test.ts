// A damaged newline or a damaged first byte must never cost a reversal owed. A bit flipped in the newline between two
// records merges them into one line, one flipped in the newline after the last record leaves a stray byte after it:
// the records are whole (their checksums vouch for them) and are replayed, the stray bytes quarantined at warn. A
// damaged `add` is reported at error (never dropped at info as a crash cut), however little of it reads as one: its
// first bytes damaged, merged with a neighbour, or a block of NUL bytes over it (a torn sector). Every single-bit flip
// of a small journal is tried (a few thousand reads, well under a second). Real files for the opens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { FileJournal } from '../src/index.js';
import { readJournal } from '../src/journal-read.js';
import { damagedAdds } from '../src/journal-read-owed.js';
import { addLine, attemptLine, doneLine } from '../src/journal-record.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

const reversal = (stan: string) => ({ '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': stan, '37': '000000000042', '41': 'TERM0001' });
const add = (id: string, stan: string): string => addLine({ id, at: 1, reversal: reversal(stan) });

/** The lines, each with its newline, then `blank` blank lines (the preallocated tail). */
const file = (lines: string[], blank = 8): Buffer => Buffer.from(lines.map((l) => `${l}\n`).join('') + '\n'.repeat(blank));

test('readJournal – every single-bit flip of a journal: no reversal owed lost without an error naming it, no ended one back at info only', () => {
  const lines = [add('a1', '000001'), add('a2', '000002'), doneLine('a1', 'not-needed', 2), add('a3', '000003'), attemptLine('a3', 1), doneLine('a2', 'reversed', 3)];
  const data = file(lines);
  const newlines = new Set<number>();
  for (let at = data.indexOf(0x0a); at >= 0 && at < data.length - 8; at = data.indexOf(0x0a, at + 1)) newlines.add(at);
  assert.equal(newlines.size, lines.length);
  const lost: string[] = [];
  const back: string[] = [];
  const newlineLoss: string[] = [];
  for (let i = 0; i < data.length - 4; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const d = Buffer.from(data);
      (d[i] as number) ^= 1 << bit;
      const read = readJournal(d);
      const errors = damagedAdds(read).filter((x) => !x.done);
      // Owed: a3 (a2's and a1's reversals ended). Named at error by its id or, its id damaged, by its STAN.
      if (!read.live.has('a3') && !errors.some((x) => x.read.id === 'a3' || x.read.stan === '000003')) lost.push(`${i}/${bit}`);
      const warned = read.bad.some((b) => !b.cut);
      if ((read.live.has('a1') || read.live.has('a2')) && !warned) back.push(`${i}/${bit}`);
      // A damaged newline damages no record: each one replayed as written, nothing owed at error.
      if (newlines.has(i) && ([...read.live.keys()].join() !== 'a3' || errors.length > 0 || read.records !== lines.length)) newlineLoss.push(`${i}/${bit}`);
    }
  }
  assert.deepEqual(lost, [], 'an owed reversal lost untold (byte/bit)');
  assert.deepEqual(back, [], 'an ended entry back at info only (byte/bit)');
  assert.deepEqual(newlineLoss, [], 'a damaged newline lost a record (byte/bit)');
});

test('readJournal – an add damaged in its first bytes, merged after a damaged record, or under NUL bytes: a damaged add, not a crash cut', () => {
  const a2 = add('a2', '000002');
  const first = Buffer.from(a2);
  (first[1] as number) ^= 0x04;
  const nul = Buffer.from(a2);
  nul.fill(0, 0, 40);
  const done = Buffer.from(doneLine('x9', 'reversed', 2));
  (done[done.length - 30] as number) ^= 0x01;
  const amount = Buffer.from(a2);
  (amount[a2.indexOf('"4":"') + 8] as number) ^= 0x01;
  for (const [name, bad] of [
    ['its first bytes', first],
    ['under NUL bytes', nul],
    ['damaged, merged after a damaged done', Buffer.concat([done, Buffer.from('J'), amount])],
  ] as const) {
    const read = readJournal(Buffer.concat([Buffer.from(`${add('a1', '000001')}\n`), bad, Buffer.from('\n\n\n')]));
    assert.deepEqual([...read.live.keys()], ['a1'], name);
    assert.deepEqual(
      damagedAdds(read).map((x) => [x.done, x.read.op, x.read.id, x.read.stan, x.line.cut]),
      [[false, 'add', name === 'under NUL bytes' ? undefined : 'a2', '000002', false]],
      name,
    );
  }
});

test('readJournal – a torn sector over a done\'s end and the next add\'s start: the add named by its own fields, never the done\'s id (sr66h #1)', () => {
  const done = doneLine('x9', 'reversed', 2);
  const a2 = add('a2', '000002');
  // NULs from the done's last 10 bytes (its newline too) up to the add's message.
  const merged = Buffer.from(`${done}\n${a2}`);
  merged.fill(0, done.length - 10, done.length + 1 + a2.indexOf('"reversal":{'));
  const read = readJournal(Buffer.concat([Buffer.from(`${add('x9', '000009')}\n`), merged, Buffer.from('\n\n\n')]));
  assert.deepEqual(
    damagedAdds(read).map((x) => [x.read.op, x.read.id, x.read.stan]),
    [['add', undefined, '000002']],
    'the damaged add is a2\'s (its STAN), not named x9',
  );
});

test('readJournal – a last line of NUL bytes alone the file ends in after its blank lines (a crash while it grew): no damaged add (sr66h #3)', () => {
  // Right after a record instead, it may be a torn page over a synced add: journal-damage-tail.test.ts.
  const read = readJournal(Buffer.concat([Buffer.from(`${add('a1', '000001')}\n\n`), Buffer.alloc(64)]));
  assert.deepEqual([...read.live.keys()], ['a1']);
  assert.deepEqual(damagedAdds(read), [], 'a write nobody was answered on owes nothing');
  // The same NULs inside the file (a torn sector over a line) may have been an add: still one.
  const inside = readJournal(Buffer.concat([Buffer.from(`${add('a1', '000001')}\n`), Buffer.alloc(64), Buffer.from(`\n${add('a3', '000003')}\n\n`)]));
  assert.equal(damagedAdds(inside).length, 1);
});

test('readJournal – a torn sector over an add\'s end and the next add\'s start, the first one\'s done in the file: still owed, never "nothing owed" (sr66i #1)', () => {
  const z = add('z1', '000001');
  const y = add('y2', '000002');
  const merged = Buffer.from(`${z}\n${y}`);
  merged.fill(0, z.length - 10, z.length + 1 + y.indexOf('"reversal":{'));
  const read = readJournal(Buffer.concat([merged, Buffer.from(`\n${doneLine('z1', 'reversed', 2)}\n\n\n`)]));
  const damaged = damagedAdds(read);
  assert.equal(damaged.length, 1);
  assert.equal(damaged[0]?.done, false, 'the piece may hide y2: owed, at error, whatever z1\'s done says');
});

/** A journal of `entries` written by a FileJournal at `dir`, each then ended when its id is in `ended`. */
async function written(dir: string, entries: string[], ended: string[]): Promise<Buffer> {
  const j = new FileJournal(dir, { preallocate: 4096, compactInterval: 0 });
  await j.open();
  for (const [n, id] of entries.entries()) await j.add({ id, at: 1, reversal: reversal(String(n + 1).padStart(6, '0')) });
  for (const id of ended) await j.done(id, 'not-needed');
  await j.close();
  return readFileSync(`${dir}/reversals.jsonl`);
}

test('journal – the newline after the last done flipped: the done still ends its entry (no reversal of an approval), warned as damage', async (t) => {
  const dir = tempDir(t, 'journal-damage-sweep');
  const bytes = await written(dir, ['p0', 'p1'], ['p1']);
  const nl = bytes.indexOf('\n\n');
  assert.match(bytes.subarray(0, nl).toString('latin1'), /\{"op":"done","id":"p1"[^\n]*$/);
  (bytes[nl] as number) ^= 0x40;
  writeFileSync(`${dir}/reversals.jsonl`, bytes);
  const { logger, lines } = capturedLogger();
  const again = new FileJournal(dir, { preallocate: 4096, compactInterval: 0, logger });
  assert.deepEqual((await again.open()).map((e) => e.id), ['p0']);
  await again.close();
  assert.equal(lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CUT').length, 0);
  assert.deepEqual(lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT').map((l) => [l.level, l.offsets]), [[40, [nl]]]);
});

test('journal – the newline between two adds flipped: both reversals still owed, the last one too', async (t) => {
  const dir = tempDir(t, 'journal-damage-sweep');
  const bytes = await written(dir, ['p1', 'p2'], []);
  const nl = bytes.indexOf('\n');
  (bytes[nl] as number) ^= 0x01;
  // The newline after the last add too: a whole record and a stray byte, no crash's cut.
  (bytes[bytes.indexOf('\n\n')] as number) ^= 0x20;
  writeFileSync(`${dir}/reversals.jsonl`, bytes);
  const { logger, lines } = capturedLogger();
  const again = new FileJournal(dir, { preallocate: 4096, compactInterval: 0, logger });
  assert.deepEqual((await again.open()).map((e) => e.id), ['p1', 'p2']);
  await again.close();
  assert.equal(lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CUT').length, 0);
  assert.deepEqual(lines.filter((l) => Number(l.level) >= 50), []);
});

test('journal – a torn sector (NUL bytes) over an add and the start of the next: logged at error with what reads of it, never the PAN', async (t) => {
  const dir = tempDir(t, 'journal-damage-sweep');
  const bytes = await written(dir, ['z1', 'z2', 'z3'], []);
  const from = bytes.indexOf('{"op":"add","id":"z2"');
  bytes.fill(0, from, bytes.indexOf('{"op":"add","id":"z3"') + 60);
  writeFileSync(`${dir}/reversals.jsonl`, bytes);
  const { logger, lines, text } = capturedLogger();
  const again = new FileJournal(dir, { preallocate: 4096, compactInterval: 0, logger });
  assert.deepEqual((await again.open()).map((e) => e.id), ['z1']);
  await again.close();
  const errors = lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT' && l.level === 50);
  assert.deepEqual(errors.map((l) => l.damagedAdd), [{ offset: from, op: 'add', stan: '000003', terminal: 'TERM0001', rrn: '000000000042' }]);
  assert.doesNotMatch(text(), /4111111111111111/);
});
