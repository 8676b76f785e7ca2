// A file journal that stopped because a failed write's bytes could not be blanked while a later write went through
// whole: the failed batch's bytes sit between written ones, where no later batch covers them. Its `close()` blanks them
// (durably, before it resolves), so that the next start does not read the refused `done` back as ending its entry (the
// reversal owed would never be sent); when that blanking fails too, the close line names the entry. Real files; the
// writes' faults are injected (helpers/write-faults.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileJournal, JOURNAL_FILE } from '../src/index.js';
import { capturedLogger, endsWithin, tempDir } from './helpers/setup.js';
import { gate, writeFaults } from './helpers/write-faults.js';
import type { WriteFaults } from './helpers/write-faults.js';

const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '2': '4111111111111111', '11': '000001', '41': id } });

const outcome = (p: Promise<void>): Promise<string> =>
  p.then(
    () => 'ok',
    (err: Error) => err.message,
  );

/**
 * Entries k0 and k1 added; done(k0) reaches the file whole and fails (EIO), done(k1), after it in the file, is written
 * whole meanwhile, and the blanking of done(k0)'s bytes fails: the journal stops, k1's done acknowledged.
 */
async function stopBetween(faults: WriteFaults, j: FileJournal): Promise<void> {
  await j.open();
  await j.add(entry('k0'));
  await j.add(entry('k1'));
  const held = gate();
  const firstStarted = gate();
  const secondStarted = gate();
  faults.rules.push(
    { marker: '"op":"done","id":"k0"', started: firstStarted.open, gate: held.promise, failAfter: true },
    { marker: '"op":"done","id":"k1"', started: secondStarted.open },
    { blank: 65_536, fail: true },
  );
  const first = outcome(j.done('k0', 'not-needed'));
  await firstStarted.promise;
  const second = outcome(j.done('k1', 'not-needed'));
  await secondStarted.promise;
  held.open();
  const [a, b] = await Promise.all([first, second]);
  assert.match(a, /cannot be written/, 'the failed write is refused');
  assert.equal(b, 'ok', 'the later write that went through whole is acknowledged');
  assert.equal(faults.rules.length, 0, 'both writes and the blanking were tried');
}

test('FileJournal – close() blanks a failed write left unblanked between written ones: the next start still owes its entry', async (t) => {
  const dir = tempDir(t, 'journal-stop-later-close');
  const faults = await writeFaults(t, dir);
  const { logger, lines } = capturedLogger('info');
  const j = new FileJournal(dir, { compactInterval: 0, logger });
  await stopBetween(faults, j);
  const stop = lines.find((l) => /stopped after a write it could not repair/.test(String(l.msg)));
  assert.deepEqual([stop?.unblanked, stop?.doneRefused], [1, ['k0']], 'the stop names the unblanked done');
  const text = await readFile(join(dir, JOURNAL_FILE), 'utf8');
  assert.ok(text.includes('"op":"done","id":"k0"'), 'the refused done is in the file before the close (the case under test)');
  assert.ok(await endsWithin(j.close(), 5_000), 'close() resolved');
  assert.ok(!(await readFile(join(dir, JOURNAL_FILE), 'utf8')).includes('"op":"done","id":"k0"'), 'the close blanked the refused done');
  assert.equal(lines.filter((l) => /cannot blank a failed write at close/.test(String(l.msg))).length, 0, 'no failed close blanking is logged');
  const next = new FileJournal(dir, { compactInterval: 0 });
  const left = await next.open();
  await next.close();
  assert.deepEqual(left.map((e) => e.id), ['k0'], 'k0 (whose done its caller saw fail) is still owed: its reversal is sent; k1 is done');
});

test('FileJournal – a failed write left between written ones that close() cannot blank either is named by the close line (doneRefused)', async (t) => {
  const dir = tempDir(t, 'journal-stop-later-close-fails');
  const faults = await writeFaults(t, dir);
  const { logger, lines } = capturedLogger('info');
  const j = new FileJournal(dir, { compactInterval: 0, logger });
  await stopBetween(faults, j);
  faults.rules.push({ blank: 65_536, fail: true });
  assert.ok(await endsWithin(j.close(), 5_000), 'close() resolved');
  assert.equal(faults.rules.length, 0, 'the close tried to blank the failed bytes');
  const line = lines.find((l) => /cannot blank a failed write at close/.test(String(l.msg)));
  assert.ok(line !== undefined, 'the failed close blanking is logged');
  assert.deepEqual([line.level, line.code, line.cause, line.doneRefused], [50, 'ISO8583_ERR_CONNECTOR_JOURNAL', 'EIO', ['k0']], 'at error, naming the entry the next start may read as ended');
});
