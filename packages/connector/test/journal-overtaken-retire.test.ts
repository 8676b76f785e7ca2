// The file journal's retirement of a reversal that undid nothing (`25`) by the approval in time of a later request of
// the same transaction (`retireOvertaken`, then that request's `done`): it holds whatever the order in which the two
// `done` records take effect (the 25's still in group commit, in the same batch, or failed and written again after the
// approval's), at the next start too; it retires only a record of the same transaction (the same STAN and terminal,
// amount and card: an older transaction reusing the STAN keeps its record); and an approval whose `done` failed
// retires nothing later. Real files; writes held or failed by a fault injector on the file handle; no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import type { JournalEntry } from '../src/index.js';
import { endedUndidNothing, leftIn, openedJournal } from './helpers/journal-overtaken.js';
import { gate, writeFaults } from './helpers/write-faults.js';

const PAN = '4111111111111111';

/** The reversal of a transaction (STAN `stan` at TERM0001, amount `amount`) whose original was `mti`. */
function reversal(stan: string, amount: string, mti = '0200', pan = PAN): IsoMessage {
  return { '0': '0400', '2': pan, '4': amount, '11': stan, '41': 'TERM0001', '90': `${mti}${stan}` };
}

/** An entry as the next start finds it: MTI/STAN/amount. */
const mtiStanAmount = (e: JournalEntry): string => `${String(e.reversal['0'])}/${String(e.reversal['11'])}/${String(e.reversal['4'])}`;

const r1 = { id: 'r1', reversal: reversal('000201', '000000010000'), at: Date.now() };
// The armed entry of the terminal's repeat (0201) of the same transaction, approved in time.
const e1 = { id: 'e1', reversal: reversal('000201', '000000010000', '0201'), at: Date.now() };

test('the approval comes while the 25\'s done is still in group commit: it is retired, and the next start repeats nothing', async (t) => {
  const { dir, journal } = await openedJournal(t, 'retire-in-flight', [r1, e1], { compactInterval: 0 });
  const faults = await writeFaults(t, dir);
  const started = gate();
  const held = gate();
  faults.rules.push({ marker: '"op":"done","id":"r1"', started: started.open, gate: held.promise });
  const doneR = endedUndidNothing(journal, 'r1');
  await started.promise;
  journal.retireOvertaken(e1);
  const doneE = journal.done('e1', 'not-needed');
  held.open();
  await Promise.all([doneR, doneE]);
  assert.deepEqual(journal.overtakenKept(), [], 'retired while running');
  await journal.close();
  assert.deepEqual(await leftIn(dir, mtiStanAmount), [], 'no repeat of a transaction the terminal was told approved');
});

test('the 25\'s done and the approval\'s in one batch: retired, running and at the next start', async (t) => {
  const { dir, journal } = await openedJournal(t, 'retire-one-batch', [r1, e1], { compactInterval: 0 });
  const doneR = endedUndidNothing(journal, 'r1');
  journal.retireOvertaken(e1);
  await Promise.all([doneR, journal.done('e1', 'not-needed')]);
  assert.deepEqual(journal.overtakenKept(), []);
  await journal.close();
  assert.deepEqual(await leftIn(dir, mtiStanAmount), []);
});

test('the 25\'s done failed, the approval\'s took effect, then the 25\'s done written again: still retired (and by the close\'s compaction)', async (t) => {
  const { dir, journal } = await openedJournal(t, 'retire-done-again', [r1, e1]);
  const faults = await writeFaults(t, dir);
  faults.rules.push({ marker: '"op":"done","id":"r1"', fail: true });
  await assert.rejects(endedUndidNothing(journal, 'r1'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  journal.retireOvertaken(e1);
  await journal.done('e1', 'not-needed');
  // The SAF queue tries a failed done again (saf-ends.ts).
  await journal.done('r1', 'reversed');
  assert.deepEqual(journal.overtakenKept(), []);
  await journal.close();
  assert.deepEqual(await leftIn(dir, mtiStanAmount), []);
});

test('the 25\'s done written again while the approval\'s is in flight: it waits for it, so the file never holds the code after the retirement', async (t) => {
  const { dir, journal } = await openedJournal(t, 'retire-race', [r1, e1], { compactInterval: 0 });
  const faults = await writeFaults(t, dir);
  const started = gate();
  const held = gate();
  faults.rules.push({ marker: '"op":"done","id":"r1"', fail: true }, { marker: '"op":"done","id":"e1"', started: started.open, gate: held.promise });
  await assert.rejects(endedUndidNothing(journal, 'r1'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  journal.retireOvertaken(e1);
  const doneE = journal.done('e1', 'not-needed');
  await started.promise;
  const doneR = journal.done('r1', 'reversed');
  held.open();
  await Promise.all([doneE, doneR]);
  assert.deepEqual(journal.overtakenKept(), []);
  await journal.close();
  assert.deepEqual(await leftIn(dir, mtiStanAmount), [], 'read back as written: retired');
});

test('the 25\'s done written again while the approval\'s is in flight, which then fails: the 25 is kept, and repeated', async (t) => {
  const { dir, journal } = await openedJournal(t, 'retire-race-failed', [r1, e1], { compactInterval: 0 });
  const faults = await writeFaults(t, dir);
  const started = gate();
  const held = gate();
  faults.rules.push({ marker: '"op":"done","id":"r1"', fail: true }, { marker: '"op":"done","id":"e1"', started: started.open, gate: held.promise, fail: true });
  await assert.rejects(endedUndidNothing(journal, 'r1'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  journal.retireOvertaken(e1);
  const doneE = assert.rejects(journal.done('e1', 'not-needed'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  await started.promise;
  const doneR = journal.done('r1', 'reversed');
  held.open();
  await Promise.all([doneE, doneR]);
  // Its approval unrecorded, the entry was reversed (reversal.ts): that end is recorded.
  await journal.done('e1', 'reversed');
  assert.deepEqual(journal.overtakenKept().map((k) => k.id), ['r1~1']);
  await journal.close();
  assert.deepEqual(await leftIn(dir, mtiStanAmount), ['0401/000201/000000010000']);
});

test('an older transaction reusing the STAN (another amount) keeps its 25 after the newer one\'s approval', async (t) => {
  const older = { id: 'old', reversal: reversal('000202', '000000010000'), at: Date.now() };
  const newer = { id: 'new', reversal: reversal('000202', '000000020000'), at: Date.now() };
  const approved = { id: 'e2', reversal: reversal('000202', '000000020000', '0201'), at: Date.now() };
  const { dir, journal } = await openedJournal(t, 'retire-same-stan', [older, newer, approved], { compactInterval: 0 });
  await endedUndidNothing(journal, 'old');
  await endedUndidNothing(journal, 'new');
  journal.retireOvertaken(approved);
  await journal.done('e2', 'not-needed');
  assert.deepEqual(journal.overtakenKept().map((k) => k.id), ['old~1'], 'the older transaction\'s record is kept');
  await journal.close();
  assert.deepEqual(await leftIn(dir, mtiStanAmount), ['0401/000202/000000010000'], 'read back: the older one repeated, not the newer');
});

test('the approval of the older transaction reusing the STAN retires its 25, not the newer one\'s, at the next start too', async (t) => {
  const older = { id: 'old', reversal: reversal('000204', '000000010000'), at: Date.now() };
  const newer = { id: 'new', reversal: reversal('000204', '000000020000'), at: Date.now() };
  const approved = { id: 'e4', reversal: reversal('000204', '000000010000', '0201'), at: Date.now() };
  const { dir, journal } = await openedJournal(t, 'retire-older', [older, newer, approved], { compactInterval: 0 });
  await endedUndidNothing(journal, 'old');
  await endedUndidNothing(journal, 'new');
  journal.retireOvertaken(approved);
  await journal.done('e4', 'not-needed');
  assert.deepEqual(journal.overtakenKept().map((k) => k.id), ['new~1']);
  await journal.close();
  assert.deepEqual(await leftIn(dir, mtiStanAmount), ['0401/000204/000000020000'], 'read back as written: the newer one repeated');
});

test('another card with the same STAN, terminal and amount is another transaction: its 25 is kept', async (t) => {
  const other = { id: 'card', reversal: reversal('000203', '000000010000', '0200', '5500000000000004'), at: Date.now() };
  const approved = { id: 'e3', reversal: reversal('000203', '000000010000', '0201'), at: Date.now() };
  const { dir, journal } = await openedJournal(t, 'retire-other-card', [other, approved], { compactInterval: 0 });
  await endedUndidNothing(journal, 'card');
  journal.retireOvertaken(approved);
  await journal.done('e3', 'not-needed');
  assert.deepEqual(journal.overtakenKept().map((k) => k.id), ['card~1']);
  await journal.close();
  assert.deepEqual(await leftIn(dir, mtiStanAmount), ['0401/000203/000000010000']);
});

test('an approval whose done failed retires nothing: the entry\'s later done (it was reversed) leaves the 25 kept', async (t) => {
  const { dir, journal } = await openedJournal(t, 'retire-failed', [r1, e1], { compactInterval: 0 });
  await endedUndidNothing(journal, 'r1');
  const faults = await writeFaults(t, dir);
  faults.rules.push({ marker: '"op":"done","id":"e1"', fail: true });
  journal.retireOvertaken(e1);
  await assert.rejects(journal.done('e1', 'not-needed'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  // The approval could not be recorded: the terminal is told it failed, and the entry is reversed (reversal.ts).
  await journal.done('e1', 'reversed');
  assert.deepEqual(journal.overtakenKept().map((k) => k.id), ['r1~1'], 'still kept while running');
  await journal.close();
  assert.deepEqual(await leftIn(dir, mtiStanAmount), ['0401/000201/000000010000'], 'and repeated at the next start');
});

test('the 25\'s done failed and the process stops before it is written again, after the approval\'s took effect: the next start sends no reversal', async (t) => {
  // compactInterval 0: the close compacts nothing, so the file is as a crash (kill -9) leaves it: the 25's `add` with
  // no `done`, then the approval's `done` that retires it.
  const { dir, journal } = await openedJournal(t, 'retire-crash', [r1, e1], { compactInterval: 0 });
  const faults = await writeFaults(t, dir);
  faults.rules.push({ marker: '"op":"done","id":"r1"', fail: true });
  await assert.rejects(endedUndidNothing(journal, 'r1'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  journal.retireOvertaken(e1);
  await journal.done('e1', 'not-needed');
  assert.deepEqual(journal.overtakenKept(), []);
  await journal.close();
  assert.deepEqual(await leftIn(dir, mtiStanAmount), [], 'neither the 25 nor a repeat of it: the terminal was told approved');
});

test('an advice of the same transaction stored before the approval\'s retiring done is still read back', async (t) => {
  const advice = { id: 'adv', reversal: { ...reversal('000201', '000000010000'), '0': '0220' }, at: Date.now(), kind: 'advice' as const };
  const { dir, journal } = await openedJournal(t, 'retire-advice', [advice, r1, e1], { compactInterval: 0 });
  const faults = await writeFaults(t, dir);
  faults.rules.push({ marker: '"op":"done","id":"r1"', fail: true });
  await assert.rejects(endedUndidNothing(journal, 'r1'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  journal.retireOvertaken(e1);
  await journal.done('e1', 'not-needed');
  await journal.close();
  assert.deepEqual(await leftIn(dir, mtiStanAmount), ['0220/000201/000000010000']);
});

test('the 25\'s done failed, the approval\'s took effect, then a compaction (the close\'s) before the 25\'s done is written again: the next start sends no reversal', async (t) => {
  const { dir, journal } = await openedJournal(t, 'retire-compacted', [r1, e1]);
  const faults = await writeFaults(t, dir);
  faults.rules.push({ marker: '"op":"done","id":"r1"', fail: true });
  await assert.rejects(endedUndidNothing(journal, 'r1'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  journal.retireOvertaken(e1);
  await journal.done('e1', 'not-needed');
  // The close compacts (the approval's `done` dropped with its entry); the 25's `done` is never written again.
  await journal.close();
  assert.deepEqual(await leftIn(dir, mtiStanAmount), [], 'the compaction did not keep the 25\'s add alone');
});
