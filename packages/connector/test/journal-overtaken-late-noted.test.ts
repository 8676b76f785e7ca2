// The file journal's retirement of a reversal that undid nothing (`25`) by the approval in time of a later request of
// its booking, when another 25 of that booking is noted after the retiring `done` line was made (so not named in its
// `"ends"`) and before it took effect: the approval is seen only once that 25's own `done` is durable too, so a crash
// between the two never leaves a reversal the next start sends against a booking the terminal was told approved (and
// when that `done` fails, the approval waits for it written again, as the SAF queue does; it fails only when the journal
// closes first: the next start sends that reversal, owed then). And a compaction
// between a retirement and a 25's `done` written again logs no false `ISO8583_WARN_JOURNAL_CORRUPT`. Real files; writes
// held or failed by a fault injector on the file handle; no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import type { JournalEntry } from '../src/index.js';
import { capturedLogger } from './helpers/setup.js';
import { endedUndidNothing, leftIn, openedJournal } from './helpers/journal-overtaken.js';
import { gate, writeFaults } from './helpers/write-faults.js';

/** The reversal of STAN `stan` at TERM0001 (amount 100.00) whose original was `mti`. */
function reversal(stan: string, mti = '0200'): IsoMessage {
  return { '0': '0400', '2': '4111111111111111', '4': '000000010000', '11': stan, '41': 'TERM0001', '90': `${mti}${stan}` };
}

/** An entry as the next start finds it: id/MTI/STAN. */
const idMtiStan = (e: JournalEntry): string => `${e.id}/${String(e.reversal['0'])}/${String(e.reversal['11'])}`;

const STAN = '000301';
const r1 = { id: 'r1', reversal: reversal(STAN), at: Date.now() };
// A second reversal of the same booking (stored by a caller while its original was at the host), answered 25 later.
const r2 = { id: 'r2', reversal: reversal(STAN), at: Date.now() };
// The armed entry of the terminal's repeat (0201) of that booking, approved in time.
const e1 = { id: 'e1', reversal: reversal(STAN, '0201'), at: Date.now() };

test('a 25 noted after the retiring done line was made: the approval is seen only once that 25\'s done is durable', async (t) => {
  const { dir, journal } = await openedJournal(t, 'late-noted', [r1, r2, e1], { compactInterval: 0 });
  await endedUndidNothing(journal, 'r1');
  const faults = await writeFaults(t, dir);
  const started = gate();
  const held = gate();
  faults.rules.push({ marker: '"op":"done","id":"e1"', started: started.open, gate: held.promise });
  journal.retireOvertaken(e1);
  const settled: string[] = [];
  const doneE = journal.done('e1', 'not-needed').then(() => void settled.push('e1'));
  // The retiring line is made and being written: r2 is answered 25 now.
  await started.promise;
  const doneR = endedUndidNothing(journal, 'r2').then(() => void settled.push('r2'));
  held.open();
  await Promise.all([doneE, doneR]);
  assert.deepEqual(settled, ['r2', 'e1'], 'the approval is seen after the 25\'s end is durable');
  assert.deepEqual(journal.overtakenKept(), []);
  await journal.close();
  assert.deepEqual((await leftIn(dir, idMtiStan)), [], 'no reversal nor repeat of a booking the terminal was told approved');
});

test('a 25 noted after the retiring done line was made, whose done then fails: the approval waits for that done written again, then nothing is owed', async (t) => {
  const { dir, journal } = await openedJournal(t, 'late-noted-failed', [r1, r2, e1], { compactInterval: 0 });
  await endedUndidNothing(journal, 'r1');
  const faults = await writeFaults(t, dir);
  const started = gate();
  const held = gate();
  faults.rules.push({ marker: '"op":"done","id":"e1"', started: started.open, gate: held.promise }, { marker: '"op":"done","id":"r2"', fail: true });
  journal.retireOvertaken(e1);
  let approval = 'waiting';
  const doneE = journal.done('e1', 'not-needed').then(
    () => void (approval = 'seen'),
    (err: { code?: string }) => void (approval = `failed ${String(err.code)}`),
  );
  await started.promise;
  const doneR = endedUndidNothing(journal, 'r2');
  held.open();
  await assert.rejects(doneR, { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  // The retiring record is durable: failing the approval now, then the SAF queue's retry of r2's done (saf-ends.ts),
  // would leave the terminal told failed and the file owing nothing.
  assert.equal(approval, 'waiting', 'the approval neither seen nor failed while r2\'s end is not durable');
  faults.rules.length = 0;
  await journal.done('r2', 'reversed');
  await doneE;
  assert.equal(approval, 'seen', 'seen once r2\'s done written again is durable');
  await journal.close();
  assert.deepEqual((await leftIn(dir, idMtiStan)), [], 'told approved: nothing on disk reverses the booking');
});

test('a 25 noted after the retiring done line was made, whose done fails and is not written again before the close: the approval fails, and the next start sends that reversal', async (t) => {
  const { dir, journal } = await openedJournal(t, 'late-noted-closed', [r1, r2, e1], { compactInterval: 0 });
  await endedUndidNothing(journal, 'r1');
  const faults = await writeFaults(t, dir);
  const started = gate();
  const held = gate();
  faults.rules.push({ marker: '"op":"done","id":"e1"', started: started.open, gate: held.promise }, { marker: '"op":"done","id":"r2"', fail: true });
  journal.retireOvertaken(e1);
  // Its outcome taken as it comes (it settles during the close).
  const doneE = journal.done('e1', 'not-needed').then(
    () => 'seen',
    (err: { code?: string }) => `failed ${String(err.code)}`,
  );
  await started.promise;
  const doneR = endedUndidNothing(journal, 'r2');
  held.open();
  await assert.rejects(doneR, { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  await journal.close();
  // As a crash before the 25's own done is written: the terminal is not told approved.
  assert.equal(await doneE, 'failed ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.deepEqual((await leftIn(dir, idMtiStan)), ['r2/0400/000301'], 'told failed: the reversal is owed, sent once by the next start');
});

test('a compaction between a retirement and the 25\'s done written again: no false CORRUPT warning at the next start', async (t) => {
  // compactInterval 0: the close compacts nothing (it would drop what the next start reads), only the compaction below.
  const { dir, journal } = await openedJournal(t, 'retire-compact-again', [r1, e1], { compactInterval: 0 });
  const faults = await writeFaults(t, dir);
  faults.rules.push({ marker: '"op":"done","id":"r1"', fail: true });
  await assert.rejects(endedUndidNothing(journal, 'r1'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  journal.retireOvertaken(e1);
  await journal.done('e1', 'not-needed');
  // A compaction now: the retiring record and the 25's add both dropped (neither live).
  faults.rules.length = 0;
  assert.equal(await (journal as unknown as { compact(): Promise<boolean> }).compact(), true);
  // The SAF queue tries the failed done again (saf-ends.ts).
  await journal.done('r1', 'reversed');
  await journal.close();
  const { logger, lines: logged } = capturedLogger('info');
  const left = await leftIn(dir, idMtiStan, { logger });
  assert.deepEqual(left, []);
  assert.deepEqual(logged.filter((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT'), [], 'no done of an entry the file does not hold');
});
