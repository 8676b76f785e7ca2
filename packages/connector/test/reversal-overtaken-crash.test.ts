// A reversal answered `25` (original not found: it overtook its original, still at the bank) ends its entry; the
// connector remembers it so that a late approval of the original is reversed again, and a clean stop journals a
// repeat of it. A crash (SIGKILL) between the 25 and the late approval must not lose it: the file journal's `done`
// record keeps the code and the time of the first 25, and the next start stores a repeat (0401) of it, once however
// many restarts, only while the original may still be approved (10 min from the first 25). Real processes killed with
// SIGKILL, real sockets, real journal files; deadlines with messages, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil, within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal, JOURNAL_FILE } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';
import { OVERTAKEN_FOR_MS } from '../src/reversal-overtaken.js';
import { againId } from '../src/journal-overtaken-names.js';
import { startChild } from './child.js';
import { answer } from './peer.js';
import { capturedLogger, connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { leftIn } from './helpers/journal-overtaken.js';

/** An entry as a start would find in the journal (the next process reads it): MTI/STAN/attempts. */
const mtiStanAttempts = (e: JournalEntry): string => `${String(e.reversal['0'])}/${String(e.reversal['11'])}/${e.attempts ?? 0}`;

test('a reversal answered 25, then SIGKILL before the late approval: the next start sends a repeat (0401), which reverses the approval', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, 'overtaken-crash');
  // The bank keeps working on the 0200 (never answers it in time); a reversal overtakes it: 25. Once `approved`, the
  // bank has approved the 0200 after all, and a reversal of it is taken (00).
  let approved = false;
  let answerRepeats = false;
  const peer = await peerFor(t, (r, p) => {
    const mti = String(r.message['0']);
    if (mti === '0200') return;
    if (mti === '0400') return p.send(r.socket, answer(r.message, { '39': approved ? '00' : '25' }));
    if (answerRepeats) p.send(r.socket, answer(r.message, { '39': approved ? '00' : '25' }));
  });
  const first = startChild('journal-child', { port: peer.port, dir, purchases: 1, requestTimeout: 300 });
  t.after(() => first.kill());
  assert.equal(await first.waitLine('rejected 009001'), 'rejected 009001 ISO8583_ERR_CONNECTOR_TIMEOUT');
  // Reported once the end is durable (marked done in the journal): the crash lands after the 25, before any approval.
  await first.waitLine('reversal answered 0400 009001');
  await first.kill();
  approved = true;

  // Second process: the start stores the repeat and sends it; the bank does not answer it; killed again.
  const second = startChild('journal-child', { port: peer.port, dir, requestTimeout: 300 });
  t.after(() => second.kill());
  await waitUntil(() => peer.received.some((r) => r.message['0'] === '0401'), { what: 'the repeat sent by the start after the crash', timeoutMs: 20_000 });
  await second.waitLine('reversal sent 0401 009001');
  await second.kill();
  // Once however many restarts: the repeat alone is left (the record it came from is gone), not a second one.
  assert.deepEqual(await leftIn(dir, mtiStanAttempts), ['0401/009001/1'], 'one repeat left, not a new one per start');
  assert.deepEqual(await leftIn(dir, mtiStanAttempts), ['0401/009001/1'], 'still one after another start');

  // Third start, in process: the repeat is answered 00 (the bank reverses the approval); nothing is left after it.
  answerRepeats = true;
  const { logger, text } = capturedLogger('info');
  const third = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout: 300, logger, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } });
  const reversed = new Promise<string | undefined>((resolve) => third.on('reversal', (e) => e.stage === 'answered' && e.mti === '0401' && resolve(e.responseCode)));
  await third.connect();
  assert.equal(await within(reversed, 20_000, 'the repeat (0401) answered after the third start'), '00');
  const repeat = peer.received.find((r) => r.message['0'] === '0401')?.message as IsoMessage;
  assert.deepEqual([repeat['11'], repeat['41'], String(repeat['90']).slice(0, 10)], ['009001', 'TERM0001', '0200009001']);
  await third.close();
  assert.ok(!text().includes('4111111111111111'), 'no PAN in the log');
  assert.deepEqual(await leftIn(dir, mtiStanAttempts), []);
});

/** The journal in `dir` with reversal `stan` (a 0400) added and ended with `25`, first answered so at `since`; closed. */
async function endedUndidNothing(dir: string, stan: string, since: number, after?: (journal: FileJournal) => Promise<void>): Promise<void> {
  const journal = new FileJournal(dir);
  await journal.open();
  const reversal = { '0': '0400', '2': '4111111111111111', '11': stan, '41': 'TERM0001', '90': `0200${stan}` };
  await journal.add({ id: `e-${stan}`, reversal, at: since });
  journal.overtakenEnd(`e-${stan}`, { rc: '25', since });
  await journal.done(`e-${stan}`, 'reversed');
  await after?.(journal);
  await journal.close();
}

test('file journal: an end that undid nothing within its window becomes one repeat at the next open, its at the first 25', async (t) => {
  const dir = tempDir(t, 'overtaken-journal');
  const since = Date.now() - 60_000;
  const { logger, lines, text } = capturedLogger('info');
  await endedUndidNothing(dir, '000101', since);
  // The close's compaction kept the record (its window is open): its add and its done, with the code and the time.
  const file = readFileSync(join(dir, JOURNAL_FILE), 'utf8');
  assert.match(file, /"op":"done","id":"e-000101","outcome":"reversed","at":\d+,"rc":"25","since":\d+/);
  const journal = new FileJournal(dir, { logger });
  const left = await journal.open();
  await journal.close();
  assert.deepEqual(left.map((e) => [e.id, e.reversal['0'], e.reversal['11'], e.at]), [['e-000101~1', '0401', '000101', since]]);
  const kept = lines.filter((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_REPEATED');
  assert.deepEqual(kept.map((l) => [l.level, l.id, l.mti, l.stan, l.terminal, l.responseCode, l.of]), [[40, 'e-000101~1', '0401', '000101', 'TERM0001', '25', 'e-000101']]);
  assert.ok(!text().includes('4111111111111111'), 'no PAN in the log');
  // Taken once: the next open finds the repeat only.
  assert.deepEqual(await leftIn(dir, mtiStanAttempts), ['0401/000101/0']);
});

test('file journal: an end past its window (10 min from the first 25) is neither kept nor repeated', async (t) => {
  const dir = tempDir(t, 'overtaken-journal-old');
  await endedUndidNothing(dir, '000102', Date.now() - OVERTAKEN_FOR_MS - 60_000);
  assert.doesNotMatch(readFileSync(join(dir, JOURNAL_FILE), 'utf8'), /e-000102/, 'dropped by the compaction');
  assert.deepEqual(await leftIn(dir, mtiStanAttempts), []);
});

test('file journal: a reversal of the same transaction stored after the end (a late approval\'s repeat) retires it', async (t) => {
  const dir = tempDir(t, 'overtaken-journal-retired');
  await endedUndidNothing(dir, '000103', Date.now() - 60_000, async (journal) => {
    await journal.add({ id: 'again-000103', reversal: { '0': '0401', '11': '000103', '41': 'TERM0001', '90': '0200000103' }, at: Date.now() });
  });
  assert.deepEqual(await leftIn(dir, mtiStanAttempts), ['0401/000103/0'], 'the late approval\'s repeat only, not a second one');
  assert.doesNotMatch(readFileSync(join(dir, JOURNAL_FILE), 'utf8'), /e-000103/);
});

test('againId: the same for the same entry, bounded for a repeat of a repeat', () => {
  assert.deepEqual([againId('m1-a-b-7'), againId('m1-a-b-7~1'), againId('m1-a-b-7~9')], ['m1-a-b-7~1', 'm1-a-b-7~2', 'm1-a-b-7~10']);
});

test('file journal: a late approval\'s repeat stored after the end and answered since leaves nothing to repeat', async (t) => {
  const dir = tempDir(t, 'overtaken-journal-again-ended');
  await endedUndidNothing(dir, '000105', Date.now() - 60_000, async (journal) => {
    await journal.add({ id: 'again-000105', reversal: { '0': '0401', '11': '000105', '41': 'TERM0001', '90': '0200000105' }, at: Date.now() });
    await journal.done('again-000105', 'reversed');
  });
  assert.deepEqual(await leftIn(dir, mtiStanAttempts), [], 'reversed once: no second repeat');
});
