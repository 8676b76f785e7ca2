// A record whose append failed is never read back: when a batch's write fails after some or all of its bytes reached
// the file (EIO after the write, ENOSPC after part of it), and nothing after it went through, its bytes are blanked
// (durably) before anything else is acknowledged, so that a crash before the next write does not revive an `add` whose
// request never left, nor end an entry whose `done` its caller saw fail. Real files; the faults are injected
// (helpers/write-faults.ts); a crash is the file as it is at a chosen point, copied and opened as the next start would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, JOURNAL_FILE } from '../src/index.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';
import { writeFaults } from './helpers/write-faults.js';
import type { WriteRule } from './helpers/write-faults.js';

const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '2': '4111111111111111', '11': '000001', '41': id } });

/** The ids a start reads from a copy of the journal file as it is now (a crash now), and whether it logged bad lines. */
async function startFromCopy(t: AfterHook, j: FileJournal): Promise<{ ids: string[]; bad: number }> {
  const after = tempDir(t, 'failed-bytes-crash');
  copyFileSync(j.path, join(after, JOURNAL_FILE));
  const log = capturedLogger();
  const next = new FileJournal(after, { compactInterval: 0, logger: log.logger });
  const ids = (await next.open()).map((e) => e.id).sort();
  await next.close();
  return { ids, bad: log.lines.filter((l) => /JOURNAL_(CORRUPT|CUT)/.test(String(l.code))).length };
}

/** k0 and k1 acknowledged; then one batch (the done of k1, the add of a1: in that order) whose write fails by `rule`. */
async function failedBatch(t: AfterHook, rule: WriteRule): Promise<{ j: FileJournal; outcomes: string[] }> {
  const dir = tempDir(t, 'failed-bytes');
  const faults = await writeFaults(t, dir);
  const j = new FileJournal(dir, { compactInterval: 0 });
  t.after(() => j.close());
  await j.open();
  await j.add(entry('k0'));
  await j.add(entry('k1'));
  faults.rules.push({ marker: '"id":"a1"', ...rule });
  const outcomes = await Promise.all(
    [j.done('k1', 'not-needed'), j.add(entry('a1'))].map((p) =>
      p.then(
        () => 'ok',
        (err: { code?: string }) => err.code ?? 'error',
      ),
    ),
  );
  return { j, outcomes };
}

test('FileJournal – a write that fails after all its bytes reached the file: a crash before the next write reads none of them back', async (t) => {
  const { j, outcomes } = await failedBatch(t, { failAfter: true });
  assert.deepEqual(outcomes, ['ISO8583_ERR_CONNECTOR_JOURNAL', 'ISO8583_ERR_CONNECTOR_JOURNAL'], 'both appends refused');
  const { ids, bad } = await startFromCopy(t, j);
  assert.deepEqual(ids, ['k0', 'k1'], 'a1 (its request never left) is no reversal to send; k1 (its done refused) is still live');
  assert.equal(bad, 0, 'no line of the file is spoilt');
  assert.doesNotMatch(readFileSync(j.path, 'utf8'), /"id":"a1"|"op":"done"/, 'the failed batch is gone from the file');
});

test('FileJournal – a write cut short (ENOSPC after half its bytes): a crash before the next write reads no whole record of it back', async (t) => {
  const { j, outcomes } = await failedBatch(t, { cut: true });
  assert.deepEqual(outcomes, ['ISO8583_ERR_CONNECTOR_JOURNAL', 'ISO8583_ERR_CONNECTOR_JOURNAL']);
  const { ids, bad } = await startFromCopy(t, j);
  assert.deepEqual(ids, ['k0', 'k1'], 'the done of k1, whole in the first half, is not read back');
  assert.equal(bad, 0, 'the cut bytes are blank: nothing to quarantine');
});

test('FileJournal – after a failed write is blanked, the journal goes on where that batch began, and the file holds exactly what was acknowledged', async (t) => {
  const { j } = await failedBatch(t, { failAfter: true });
  await j.add(entry('b1'));
  await j.done('k0', 'not-needed');
  const { ids, bad } = await startFromCopy(t, j);
  assert.deepEqual(ids, ['b1', 'k1']);
  assert.equal(bad, 0);
});

test('FileJournal – a failed write whose blanking fails too, nothing after it written: the journal goes on, and the next batch covers the failed bytes before it is acknowledged', async (t) => {
  const dir = tempDir(t, 'failed-bytes');
  const faults = await writeFaults(t, dir);
  const log = capturedLogger();
  const j = new FileJournal(dir, { compactInterval: 0, logger: log.logger });
  t.after(() => j.close());
  await j.open();
  await j.add(entry('k0'));
  faults.rules.push({ marker: '"id":"a1"', failAfter: true }, { blank: 65_536, fail: true });
  await assert.rejects(j.add(entry('a1')), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.equal(faults.rules.length, 0, 'the blanking was tried');
  assert.ok(log.lines.some((l) => /cannot blank a failed write/.test(String(l.msg))), 'logged');
  // Shorter than a1's record: written where a1's began, it leaves a1's tail unless blank lines cover it.
  await j.add({ id: 'b1', at: 1, reversal: { '0': '0400', '11': '000002' } });
  assert.equal(j.halted(), undefined, 'not stopped');
  const { ids, bad } = await startFromCopy(t, j);
  assert.deepEqual(ids, ['b1', 'k0'], 'a1 was covered by the next batch');
  assert.equal(bad, 0, 'nothing of a1 is left: its bytes past the next batch\'s are blank');
});
