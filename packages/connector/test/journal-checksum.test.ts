// Every journal record carries a CRC-32 of its bytes: a flipped byte anywhere in a record (an entry's id in a `done`,
// an amount in an `add`) is caught on the next start and treated as a corrupt line (quarantined, warned), instead of
// replaying as another record. Lines without a checksum (older versions) still read. Also warned: a `done` of an entry
// the file does not hold, and a journal file of zero length. A record cut by a crash (info) may be a `done` whose
// purchase went out: it is read as not written, so the entry stays and is reversed. Real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { FileJournal } from '../src/index.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

const reversal = (stan: string) => ({ '0': '0400', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': stan, '41': 'TERM0001' });

/** A closed journal: k1..k4 added, k1 and k2 done. */
async function written(t: AfterHook): Promise<string> {
  const dir = tempDir(t, 'journal-crc');
  const j = new FileJournal(dir, { preallocate: 4096, compactInterval: 0 });
  await j.open();
  for (let i = 1; i <= 4; i++) await j.add({ id: `k${i}`, at: 1, reversal: reversal(`00000${i}`) });
  await j.done('k1', 'not-needed');
  await j.done('k2', 'not-needed');
  await j.close();
  return dir;
}

/** Opens the journal in `dir` again: the entries left (id and amount), its log lines, its quarantine files. */
async function reopen(dir: string): Promise<{ left: string[]; lines: Record<string, unknown>[]; quarantined: string[] }> {
  const { logger, lines } = capturedLogger();
  const j = new FileJournal(dir, { preallocate: 4096, compactInterval: 0, logger });
  const left = (await j.open()).map((e) => `${e.id}:${e.reversal['4']}`);
  await j.close();
  const quarantined = readdirSync(dir).filter((f) => f.includes('.corrupt-')).flatMap((f) => readFileSync(`${dir}/${f}`, 'latin1').split('\n').filter((l) => l !== ''));
  return { left, lines, quarantined };
}

/** Flips bit `bit` of the byte `at` characters after the `n`th occurrence of `marker` in the journal file of `dir`. */
function flip(dir: string, marker: string, at: number, bit = 0x02, n = 0): number {
  const path = `${dir}/reversals.jsonl`;
  const bytes = readFileSync(path);
  let i = -1;
  for (let k = 0; k <= n; k++) i = bytes.indexOf(marker, i + 1);
  assert.ok(i >= 0, marker);
  (bytes[i + at] as number) ^= bit;
  writeFileSync(path, bytes);
  return bytes.lastIndexOf(0x0a, i) + 1;
}

/**
 * Replaces the line of the journal file in `dir` that starts with `start` by `make(line)`, of the same length (what a
 * damaged or lost block leaves); returns the file's text before and the line's offset.
 */
function rewriteLine(dir: string, start: string, make: (line: string) => string): { text: string; offset: number } {
  const path = `${dir}/reversals.jsonl`;
  const text = readFileSync(path, 'latin1');
  const offset = text.indexOf(start);
  const end = text.indexOf('\n', offset);
  const line = make(text.slice(offset, end));
  assert.equal(line.length, end - offset);
  writeFileSync(path, text.slice(0, offset) + line + text.slice(end), 'latin1');
  return { text, offset };
}

const corrupt = (lines: Record<string, unknown>[]) => lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT' && l.level === 40);

test('journal checksum – a flipped byte in the id of a done record (k2 -> k0): quarantined and warned, and k2 stays (not a silent revival)', async (t) => {
  const dir = await written(t);
  const offset = flip(dir, '"op":"done","id":"k2"', '"op":"done","id":"k'.length);
  const { left, lines, quarantined } = await reopen(dir);
  assert.deepEqual(left, ['k2:000000001000', 'k3:000000001000', 'k4:000000001000']);
  const warned = corrupt(lines);
  assert.equal(warned.length, 1);
  assert.deepEqual(warned[0]?.offsets, [offset]);
  assert.equal(quarantined.length, 1);
  assert.match(quarantined[0] as string, /"op":"done","id":"k0"/);
});

test('journal checksum – a flipped digit in the amount of an add: quarantined and warned, never replayed with the wrong amount', async (t) => {
  const dir = await written(t);
  flip(dir, '"4":"000000001000"', 9, 0x01, 2);
  const { left, lines, quarantined } = await reopen(dir);
  assert.deepEqual(left, ['k4:000000001000']);
  assert.equal(corrupt(lines).length, 1);
  assert.match(quarantined[0] as string, /"id":"k3".*"4":"000010001000"/);
});

test('journal checksum – the last line whole with a bad checksum is corruption (warn), not a record cut by a crash', async (t) => {
  const dir = await written(t);
  flip(dir, '"outcome":"not-needed"', 12, 0x01, 1);
  const { left, lines } = await reopen(dir);
  assert.deepEqual(left, ['k2:000000001000', 'k3:000000001000', 'k4:000000001000']);
  assert.equal(corrupt(lines).length, 1);
  assert.equal(lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CUT').length, 0);
});

test('journal checksum – a file of lines without checksums (an older version\'s) reads as before; such a line with a damaged checksum member does not', async (t) => {
  const dir = tempDir(t, 'journal-crc-old');
  const add = (id: string) => JSON.stringify({ op: 'add', id, reversal: reversal('000001'), at: 1 });
  writeFileSync(`${dir}/reversals.jsonl`, [add('o1'), add('o2'), add('o3'), JSON.stringify({ op: 'done', id: 'o1', outcome: 'not-needed', at: 2 }), ''].join('\n') + '\n\n');
  const old = await reopen(dir);
  assert.deepEqual(old.left, ['o2:000000001000', 'o3:000000001000']);
  assert.equal(old.lines.filter((l) => typeof l.code === 'string').length, 0, 'nothing logged');
  // The add of k4 with its "crc" member damaged in two bytes ("crc" -> "csb": one damaged byte of a checksum is mended,
  // journal-damage.ts): it no longer ends with a checksum, and no line of an older version had that member: not read.
  const d2 = await written(t);
  flip(d2, '"crc"', 2, 0x01, 3);
  flip(d2, '"csc"', 3, 0x01);
  const damaged = await reopen(d2);
  assert.deepEqual(damaged.left, ['k3:000000001000']);
  assert.equal(corrupt(damaged.lines).length, 1);
});

test('journal checksum – a done of an entry the file does not hold is warned with its offset', async (t) => {
  const dir = await written(t);
  // The add of k2 lost: a block of blank lines where it was (what a lost write leaves).
  const { text } = rewriteLine(dir, '{"op":"add","id":"k2"', (line) => '\n'.repeat(line.length));
  const { left, lines } = await reopen(dir);
  assert.deepEqual(left, ['k3:000000001000', 'k4:000000001000']);
  const warned = corrupt(lines);
  assert.equal(warned.length, 1);
  assert.deepEqual(warned[0]?.orphanDone, [text.indexOf('{"op":"done","id":"k2"')]);
});

test('journal checksum – a journal file of zero length is warned; a missing one (a first start) is not', async (t) => {
  const dir = await written(t);
  truncateSync(`${dir}/reversals.jsonl`, 0);
  const { left, lines } = await reopen(dir);
  assert.deepEqual(left, []);
  assert.deepEqual(corrupt(lines).map((l) => l.empty), [true]);
  const fresh = await reopen(tempDir(t, 'journal-crc-new'));
  assert.equal(corrupt(fresh.lines).length, 0);
});

test('journal – a done record cut by a crash: the entry stays (it is reversed), and the info line does not say its request never left', async (t) => {
  const dir = await written(t);
  // Its first 30 bytes reached the disk, the rest of the write did not (still the preallocated blank lines).
  rewriteLine(dir, '{"op":"done","id":"k2"', (line) => line.slice(0, 30) + '\n'.repeat(line.length - 30));
  const { left, lines } = await reopen(dir);
  assert.deepEqual(left, ['k2:000000001000', 'k3:000000001000', 'k4:000000001000']);
  const cut = lines.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CUT');
  assert.equal(cut.length, 1);
  assert.doesNotMatch(String(cut[0]?.msg), /never left/);
});
