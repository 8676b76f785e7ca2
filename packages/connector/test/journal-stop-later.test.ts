// A file journal that stops because a failed write's bytes cannot be blanked while a later write went through whole:
// that later write is acknowledged (its records are read back at the next start anyway), only the failed one is
// refused. Else an approval's `done` in the later write would be refused (the terminal told failed, its reversal sent
// from memory only) while the next start reads it back and never reverses: charged while told failed. Real files;
// the writes' faults are injected (helpers/write-faults.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileJournal } from '../src/index.js';
import { capturedLogger, endsWithin, tempDir } from './helpers/setup.js';
import { gate, writeFaults } from './helpers/write-faults.js';

const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '2': '4111111111111111', '11': '000001', '41': id } });

const outcome = (p: Promise<void>): Promise<string> =>
  p.then(
    () => 'ok',
    (err: Error) => err.message,
  );

test('FileJournal – a stop after a failed blanking acknowledges the later write that went through: its done is kept, the failed one\'s entry stays owed', async (t) => {
  const dir = tempDir(t, 'journal-stop-later');
  const faults = await writeFaults(t, dir);
  const { logger, lines } = capturedLogger('info');
  const j = new FileJournal(dir, { compactInterval: 0, logger });
  await j.open();
  await j.add(entry('k0'));
  await j.add(entry('k1'));
  const held = gate();
  const firstStarted = gate();
  const secondStarted = gate();
  faults.rules.push(
    // done(k0) puts half its bytes in the file and fails; done(k1) is written whole meanwhile; the blanking fails.
    { marker: '"op":"done","id":"k0"', started: firstStarted.open, gate: held.promise, cut: true },
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
  assert.equal(b, 'ok', 'the write that went through whole is acknowledged (the next start reads it back)');
  const stop = lines.find((l) => /stopped after a write it could not repair/.test(String(l.msg)));
  assert.ok(stop !== undefined, 'the stop is logged');
  assert.deepEqual([stop.unblanked, stop.acknowledged, stop.doneRefused], [1, 1, ['k0']], 'the line says what was refused and may be read back, and what was acknowledged');
  await assert.rejects(j.add(entry('c1')), (err: { code?: string; message: string }) => err.code === 'ISO8583_ERR_CONNECTOR_JOURNAL' && /stopped/.test(err.message));
  assert.ok(await endsWithin(j.close(), 5_000), 'close() resolved');
  const next = new FileJournal(dir, { compactInterval: 0 });
  const left = await next.open();
  await next.close();
  const ids = left.map((e) => e.id).sort();
  assert.deepEqual(ids, ['k0'], 'k0 (whose done its caller saw fail) is still owed; k1 (acknowledged) is done');
});

test('FileJournal – a failed blanking with nothing written after it names the entries whose refused done a crash may read back (doneRefused)', async (t) => {
  const dir = tempDir(t, 'journal-stop-later-alone');
  const faults = await writeFaults(t, dir);
  const { logger, lines } = capturedLogger('info');
  const j = new FileJournal(dir, { compactInterval: 0, logger });
  await j.open();
  await j.add(entry('k0'));
  faults.rules.push({ marker: '"op":"done","id":"k0"', failAfter: true }, { blank: 65_536, fail: true });
  assert.match(await outcome(j.done('k0', 'not-needed')), /cannot be written/);
  assert.equal(faults.rules.length, 0, 'the blanking was tried');
  const line = lines.find((l) => /cannot blank a failed write/.test(String(l.msg)));
  assert.ok(line !== undefined, 'the failed blanking is logged');
  assert.deepEqual(line.doneRefused, ['k0'], 'the line names the entry whose refused done may be read back');
  assert.ok(await endsWithin(j.close(), 5_000), 'close() resolved');
});
