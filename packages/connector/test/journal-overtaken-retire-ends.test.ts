// The file journal's retiring record (the `done` of a request approved in time) ends only the reversals it names
// (`"ends"`: those of its transaction answered `25` whose own `done` had not taken effect), not a reversal of that
// transaction still owed; and a `done` of an entry it ended, written again after it, is no orphan at the next start.
// Real files; writes failed by a fault injector on the file handle; no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { IsoMessage } from '@iso8583/codec';
import type { FileJournal } from '../src/index.js';
import { addLine, doneLine } from '../src/journal-record.js';
import { writeFaults } from './helpers/write-faults.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import { leftIn, openedJournal } from './helpers/journal-overtaken.js';

/** The reversal of the transaction STAN `000301` at TERM0001 (a test card) whose original was `mti`. */
function reversal(mti = '0200'): IsoMessage {
  return { '0': '0400', '2': '4111111111111111', '4': '000000010000', '11': '000301', '41': 'TERM0001', '90': `${mti}000301` };
}

/** What a start finds in the journal in `dir` (ids), and whether it logged the file corrupt. */
async function reopen(dir: string): Promise<{ left: string[]; corrupt: boolean }> {
  const { logger, lines } = capturedLogger();
  const left = await leftIn(dir, (e) => e.id, { compactInterval: 0, logger });
  return { left, corrupt: lines.some((l) => l.code === 'ISO8583_WARN_JOURNAL_CORRUPT') };
}

const r1 = { id: 'r1', reversal: reversal(), at: Date.now() };
// A reversal of the same transaction a caller stored (`saf: true`) while its original was at the host: still owed.
const owed = { id: 'owed', reversal: reversal(), at: Date.now() };
// The armed entry of the terminal's repeat (0201) of the same transaction, approved in time.
const e1 = { id: 'e1', reversal: reversal('0201'), at: Date.now() };

/** The 25 of `r1` whose `done` fails, then the approval of `e1` (its `done` retires it, and ends `r1`). */
async function retiredWithFailedEnd(t: Parameters<typeof writeFaults>[0], journal: FileJournal, dir: string): Promise<void> {
  const faults = await writeFaults(t, dir);
  faults.rules.push({ marker: '"op":"done","id":"r1"', fail: true });
  journal.overtakenEnd('r1', { rc: '25', since: Date.now() - 1_000 });
  await assert.rejects(journal.done('r1', 'reversed'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  faults.rules.length = 0;
  journal.retireOvertaken(e1);
  await journal.done('e1', 'not-needed');
}

test('a reversal of the same transaction still owed, stored before the retiring done, is read back (the 25 whose done failed is not)', async (t) => {
  const { dir, journal } = await openedJournal(t, 'ends-owed', [owed, r1, e1], { compactInterval: 0 });
  await retiredWithFailedEnd(t, journal, dir);
  await journal.close();
  assert.deepEqual((await reopen(dir)).left, ['owed']);
});

test('the same, the file compacted (the close\'s) before the 25\'s done is written again: the owed reversal is kept', async (t) => {
  const { dir, journal } = await openedJournal(t, 'ends-owed-compacted', [owed, r1, e1]);
  await retiredWithFailedEnd(t, journal, dir);
  await journal.close();
  assert.deepEqual((await reopen(dir)).left, ['owed']);
});

test('the 25\'s done written again after the retiring done: the next start reads no orphan done, and nothing back', async (t) => {
  const { dir, journal } = await openedJournal(t, 'ends-done-again', [r1, e1], { compactInterval: 0 });
  await retiredWithFailedEnd(t, journal, dir);
  // The SAF queue writes the failed done again (saf-ends.ts): it succeeds.
  await journal.done('r1', 'reversed');
  await journal.close();
  assert.deepEqual(await reopen(dir), { left: [], corrupt: false });
});

test('a retiring done of a version before "ends" ends no entry: the reversals of its transaction are read back', async (t) => {
  const dir = tempDir(t, 'ends-older');
  const at = Date.now();
  const lines = [addLine(owed), addLine(e1), doneLine('e1', 'not-needed', at, undefined, true)];
  writeFileSync(`${dir}/reversals.jsonl`, lines.join('\n') + '\n\n\n'); // a journal file ends in blank lines
  assert.deepEqual(await reopen(dir), { left: ['owed'], corrupt: false });
});
