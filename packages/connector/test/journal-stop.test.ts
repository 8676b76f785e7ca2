// The file journal stops when the bytes of a failed write cannot be blanked (a later write went through, so the file
// may hold whole `add` lines of requests that never left): the later write is acknowledged (the next start reads it),
// every later append fails, and it closes. Real files; the writes' faults are injected (helpers/write-faults.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileJournal } from '../src/index.js';
import { endsWithin, tempDir } from './helpers/setup.js';
import { gate, writeFaults } from './helpers/write-faults.js';

const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '2': '4111111111111111', '11': '000001', '41': id } });

/** A journal stopped as above: the appends' outcomes, and the journal (left open). */
async function stopped(t: { after(fn: () => void): void }): Promise<{ j: FileJournal; a: string; b: string; dir: string }> {
  const dir = tempDir(t, 'journal-stop');
  const faults = await writeFaults(t, dir);
  const j = new FileJournal(dir, { compactInterval: 0 });
  await j.open();
  await j.add(entry('k0'));
  const held = gate();
  const firstStarted = gate();
  const secondStarted = gate();
  faults.rules.push(
    // The first write puts half its bytes in the file and fails; the second goes through meanwhile; the blanking of
    // the first one's bytes fails.
    { marker: '"id":"a1"', started: firstStarted.open, gate: held.promise, cut: true },
    { marker: '"id":"b1"', started: secondStarted.open },
    { blank: 65_536, fail: true },
  );
  const outcome = (p: Promise<void>): Promise<string> =>
    p.then(
      () => 'ok',
      (err: Error) => err.message,
    );
  const first = outcome(j.add(entry('a1')));
  await firstStarted.promise;
  const second = outcome(j.add(entry('b1')));
  await secondStarted.promise;
  held.open();
  const [a, b] = await Promise.all([first, second]);
  return { j, a, b, dir };
}

test('FileJournal – a failed write whose bytes cannot be blanked stops the journal: the write after it, whole, is acknowledged, every later append refused', async (t) => {
  const { j, a, b } = await stopped(t);
  assert.match(a, /cannot be written/, 'the failed write is refused');
  assert.equal(b, 'ok', 'the write that went through whole after it is acknowledged (the next start reads it back)');
  await assert.rejects(j.add(entry('c1')), (err: { code?: string; message: string }) => err.code === 'ISO8583_ERR_CONNECTOR_JOURNAL' && /stopped/.test(err.message));
  await assert.rejects(j.done('k0', 'not-needed'), /stopped/);
});

test('FileJournal – a stopped journal closes (and a new start reads what is on disk)', async (t) => {
  const { j, dir } = await stopped(t);
  assert.ok(await endsWithin(j.close(), 5_000), 'close() resolved');
  // The folder is free again: the next start reads the entry acknowledged before the failure.
  const next = new FileJournal(dir, { compactInterval: 0 });
  const left = await next.open();
  await next.close();
  assert.ok(left.some((e) => e.id === 'k0'), 'the entry acknowledged before the failure is still there');
});
