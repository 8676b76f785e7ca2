// The stop paths of the file journal, where what the caller is told must match what the next start reads back:
// - its lock removed (not replaced) while its file is still its own: a batch already written and synced into that file
//   is read back by the next start, so it is acknowledged before the journal stops (a `done` refused there would be
//   reversed from memory only while the next start reads the entry as ended: charged while told failed);
// - a refused `done` whose bytes could not be blanked: a clean close blanks them (else the next start reads the entry
//   as ended, and nothing reverses it);
// - card data at rest: the journal file, the spare file and a compaction's new file are mode 0600 even over a leftover
//   file of another mode (a mode given to open applies only when it creates the file).
// Real files; write faults injected (helpers/write-faults.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, LOCK_FILE } from '../src/index.js';
import { SpareFile } from '../src/journal-spare.js';
import { NextFile } from '../src/journal-next-file.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import { writeFaults } from './helpers/write-faults.js';

const PAN = '4111111111111111';
const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '2': PAN, '11': '000001', '41': 'TERM0001' } });

/** The entries the next start owes (read back by a new journal on `dir`, then closed). */
async function owed(dir: string): Promise<string[]> {
  const again = new FileJournal(dir, { compactInterval: 0 });
  const ids = (await again.open()).map((e) => e.id);
  await again.close();
  return ids;
}

test('FileJournal – its lock removed, its file its own: the batch written is acknowledged (a done told ok is read back as done), then it stops', async (t) => {
  const dir = tempDir(t, 'journal-lock-removed-done');
  const { logger, lines } = capturedLogger();
  const j = new FileJournal(dir, { compactInterval: 0, logger });
  await j.open();
  await j.add(entry('k0'));
  unlinkSync(join(dir, LOCK_FILE));
  const outcome = await j.done('k0', 'not-needed').then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );
  await assert.rejects(j.add(entry('k1')), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.equal(j.halted()?.recordsLost, false);
  await j.close();
  const next = await owed(dir);
  assert.ok((outcome === 'ok') === (next.length === 0), `done ${String(outcome)}, next start owes ${next.join()}`);
  assert.equal(outcome, 'ok');
  const stop = lines.find((l) => l.level === 50 && /stopped/.test(String(l.msg)));
  assert.equal(stop?.acknowledged, 1, 'the stop says how many records written were acknowledged');
});

test('FileJournal – its lock replaced (another process may hold the folder): the batch written fails with the stop, and the line says so', async (t) => {
  const dir = tempDir(t, 'journal-lock-replaced-done');
  const { logger, lines } = capturedLogger();
  const j = new FileJournal(dir, { compactInterval: 0, logger });
  await j.open();
  await j.add(entry('k0'));
  writeFileSync(join(dir, `${LOCK_FILE}.other`), '{}\n');
  renameSync(join(dir, `${LOCK_FILE}.other`), join(dir, LOCK_FILE));
  await assert.rejects(j.done('k0', 'not-needed'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  await j.close();
  const stop = lines.find((l) => l.level === 50 && /stopped/.test(String(l.msg)));
  assert.equal(stop?.writtenRefused, 1);
  assert.deepEqual(stop?.doneRefused, ['k0']);
  assert.equal(stop?.acknowledged, undefined);
});

test('FileJournal – a refused done whose bytes could not be blanked: a clean close blanks them, the next start still owes the entry', async (t) => {
  const dir = tempDir(t, 'journal-close-dirty');
  const faults = await writeFaults(t, dir);
  const j = new FileJournal(dir, { compactInterval: 0 });
  await j.open();
  await j.add(entry('k0'));
  faults.rules.push({ marker: '"op":"done"', failAfter: true }, { blank: 65_536, fail: true });
  await assert.rejects(j.done('k0', 'not-needed'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.equal(faults.rules.length, 0, 'the blanking was tried and failed');
  await j.close();
  assert.deepEqual(await owed(dir), ['k0']);
});

test('FileJournal – a refused done whose bytes cannot be blanked at close either: logged at error naming the entry', async (t) => {
  const dir = tempDir(t, 'journal-close-dirty-fails');
  const faults = await writeFaults(t, dir);
  const { logger, lines } = capturedLogger();
  const j = new FileJournal(dir, { compactInterval: 0, logger });
  await j.open();
  await j.add(entry('k0'));
  faults.rules.push({ marker: '"op":"done"', failAfter: true }, { blank: 65_536, fail: true }, { blank: 65_536, fail: true });
  await assert.rejects(j.done('k0', 'not-needed'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  await j.close();
  assert.equal(faults.rules.length, 0, 'blanking tried again at close');
  const line = lines.find((l) => l.level === 50 && Array.isArray(l.doneRefused) && /close/.test(String(l.msg)));
  assert.deepEqual(line?.doneRefused, ['k0'], JSON.stringify(lines));
});

/** Makes `path` as a file of mode 0644 (left by an earlier run, a restore, another umask). */
function leftover(path: string): void {
  writeFileSync(path, '\n');
  chmodSync(path, 0o644);
}

/** The permission bits of `path`, in octal. */
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

const UNIX = { skip: process.platform === 'win32' };

test('FileJournal – a reversals.jsonl.tmp left at mode 0644: the journal made from it at open is 0600', UNIX, async (t) => {
  const dir = tempDir(t, 'journal-mode-tmp');
  const j0 = new FileJournal(dir, { compactInterval: 0 });
  await j0.open();
  await j0.close();
  leftover(join(dir, 'reversals.jsonl.tmp'));
  const j = new FileJournal(dir, { compactInterval: 0 });
  await j.open();
  await j.add(entry('k0'));
  assert.equal(mode(j.path), '600');
  await j.close();
});

test('SpareFile – made over a file of mode 0644: 0600', UNIX, async (t) => {
  const dir = tempDir(t, 'journal-mode-spare');
  const spare = new SpareFile(join(dir, 'reversals.jsonl.next'), 4096, capturedLogger().logger);
  leftover(spare.path);
  spare.prepare();
  assert.equal(await spare.whenReady(), true);
  assert.equal(mode(spare.path), '600');
  await spare.discard();
});

test('NextFile – a running compaction\'s file made over a reversals.jsonl.tmp of mode 0644: 0600', UNIX, async (t) => {
  const dir = tempDir(t, 'journal-mode-next');
  const path = join(dir, 'reversals.jsonl');
  leftover(`${path}.tmp`);
  // No spare file ready: the compaction writes `path.tmp`.
  const spare = new SpareFile(`${path}.next`, 4096, capturedLogger().logger);
  const line = Buffer.from('{"op":"add"}\n');
  const next = await NextFile.write(path, { chunks: [line], bytes: line.length }, spare, 4096);
  assert.equal(next.from, `${path}.tmp`);
  assert.equal(mode(next.from), '600');
  await next.discard();
});
