// The file journal's lock removed (not replaced), its file still its own, while a batch failed: the failed batch's bytes
// are in the file the next start reads, so they are blanked as after any failed write (a refused `done` read back would
// end its entry: the reversal not resent after a restart, the customer charged while told the request failed), or,
// when that fails too, named in the stop's line and blanked at close.
// Real files; write faults injected (helpers/write-faults.ts); ordering by gates, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, LOCK_FILE } from '../src/index.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import { gate, writeFaults } from './helpers/write-faults.js';

const PAN = '4111111111111111';
const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '2': PAN, '11': '000001', '41': 'TERM0001' } });
const doneOf = (id: string): string => `"op":"done","id":"${id}"`;

/** The entries the next start owes (read back by a new journal on `dir`, then closed). */
async function owed(dir: string): Promise<string[]> {
  const again = new FileJournal(dir, { compactInterval: 0 });
  const ids = (await again.open()).map((e) => e.id);
  await again.close();
  return ids;
}

/** How an append ended: `ok` or its error's code. */
const outcome = (p: Promise<void>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => String(e.code),
  );

test('FileJournal – lock removed while a later batch failed: the failed done is blanked (the next start owes its entry), the earlier one acknowledged', async (t) => {
  const dir = tempDir(t, 'journal-stop-failed-later');
  const faults = await writeFaults(t, dir);
  const { logger, lines } = capturedLogger();
  const j = new FileJournal(dir, { compactInterval: 0, concurrentWrites: 4, logger });
  await j.open();
  await j.add(entry('k0'));
  await j.add(entry('k1'));
  const first = gate();
  const second = gate();
  const started = [gate(), gate()];
  faults.rules.push(
    { marker: doneOf('k0'), gate: first.promise, started: () => started[0]?.open() },
    { marker: doneOf('k1'), gate: second.promise, failAfter: true, started: () => started[1]?.open() },
  );
  const d0 = outcome(j.done('k0', 'not-needed'));
  await started[0]?.promise;
  const d1 = outcome(j.done('k1', 'not-needed'));
  await started[1]?.promise;
  unlinkSync(join(dir, LOCK_FILE));
  // The earlier batch is written (its settle finds the lock removed, the later one in flight), then the later one fails.
  first.open();
  second.open();
  assert.equal(await d0, 'ok');
  assert.equal(await d1, 'ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.equal(j.halted()?.recordsLost, false);
  await j.close();
  assert.deepEqual(await owed(dir), ['k1'], JSON.stringify(lines.filter((l) => l.level === 50)));
});

test('FileJournal – lock removed, a failed done not blanked, a later batch written: the stop line names it (unblanked, doneRefused)', async (t) => {
  const dir = tempDir(t, 'journal-stop-failed-unblanked');
  const faults = await writeFaults(t, dir);
  const { logger, lines } = capturedLogger();
  const j = new FileJournal(dir, { compactInterval: 0, concurrentWrites: 4, logger });
  await j.open();
  await j.add(entry('k1'));
  await j.add(entry('k2'));
  const failing = gate();
  const later = gate();
  const started = [gate(), gate()];
  faults.rules.push(
    { marker: doneOf('k1'), gate: failing.promise, failAfter: true, started: () => started[0]?.open() },
    { marker: doneOf('k2'), gate: later.promise, started: () => started[1]?.open() },
    { blank: 65_536, fail: true },
  );
  const d1 = outcome(j.done('k1', 'not-needed'));
  await started[0]?.promise;
  const d2 = outcome(j.done('k2', 'not-needed'));
  await started[1]?.promise;
  unlinkSync(join(dir, LOCK_FILE));
  later.open();
  failing.open();
  assert.equal(await d1, 'ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.equal(await d2, 'ok', 'written whole after the failed one: read back by the next start, so acknowledged');
  await j.close();
  assert.equal(faults.rules.length, 0, 'the blanking was tried and failed');
  const stop = lines.find((l) => l.level === 50 && /stopped/.test(String(l.msg)));
  assert.equal(stop?.acknowledged, 1, JSON.stringify(stop));
  assert.equal(stop?.unblanked, 1, JSON.stringify(stop));
  assert.deepEqual(stop?.doneRefused, ['k1'], JSON.stringify(stop));
  // The file is still its own: the close blanked the refused done between the written ones, so k1 is still owed.
  assert.deepEqual(await owed(dir), ['k1'], JSON.stringify(lines.filter((l) => l.level === 50)));
});

test('FileJournal – lock removed, a failed done not blanked, nothing after it: a clean close blanks it (the file is still its own)', async (t) => {
  const dir = tempDir(t, 'journal-stop-failed-close');
  const faults = await writeFaults(t, dir);
  const j = new FileJournal(dir, { compactInterval: 0, logger: capturedLogger().logger });
  await j.open();
  await j.add(entry('k0'));
  unlinkSync(join(dir, LOCK_FILE));
  faults.rules.push({ marker: doneOf('k0'), failAfter: true }, { blank: 65_536, fail: true });
  await assert.rejects(j.done('k0', 'not-needed'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.equal(faults.rules.length, 0, 'the blanking was tried and failed');
  await j.close();
  assert.deepEqual(await owed(dir), ['k0']);
});
