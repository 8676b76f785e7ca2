// After a failed write whose bytes could not be blanked (nothing after it written), the next batch covers them (blank
// lines up to where they reached) before it is acknowledged. Once they are covered (by a batch long enough to reach
// past them, by a padding, or by the blanking of a later failed batch), nothing is left to cover: no batch pads over
// them again, and the compaction at growth (out of preallocated room while answered entries dominate) is not held
// off by them. Real files; the faults are injected (helpers/write-faults.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileJournal } from '../src/index.js';
import { tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';
import { writeFaults } from './helpers/write-faults.js';
import type { WriteFaults } from './helpers/write-faults.js';

const entry = (id: string, pad = '') => ({ id, at: 1, reversal: { '0': '0400', '2': '4111111111111111', '11': '000001', '41': id, '48': pad } });

/** A journal (4 KiB preallocated, compacted at growth only) holding k0; with `dirty`, after a write of a1 failed and its blanking too. */
async function journal(t: AfterHook, dirty: boolean): Promise<{ j: FileJournal; faults: WriteFaults }> {
  const dir = tempDir(t, 'dirty-end');
  const faults = await writeFaults(t, dir);
  const j = new FileJournal(dir, { compactInterval: 0, compactAt: 1 << 30, preallocate: 4096 });
  t.after(() => j.close());
  await j.open();
  await j.add(entry('k0'));
  if (!dirty) return { j, faults };
  faults.rules.push({ marker: '"id":"a1"', failAfter: true }, { blank: 65_536, fail: true });
  await assert.rejects(j.add(entry('a1')), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.equal(faults.rules.length, 0, 'the blanking was tried');
  return { j, faults };
}

/**
 * Adds and answers entries (one at a time) until a compaction ran; returns the entries answered when it started (its
 * first write, of k0's line, which no append carries), not when it ended: the loop goes on while it runs, and how many
 * entries it answers meanwhile is the machine's speed (a loaded machine once counted 28 against 21). The records
 * outgrow the 4 KiB preallocated part after about 20.
 */
async function growWithAnswered(j: FileJournal, faults: WriteFaults): Promise<{ answered: number }> {
  let compacted = false;
  let answered = 0;
  let startedAt: number | undefined;
  faults.rules.push({ marker: '"id":"k0"', started: () => (startedAt ??= answered) });
  j.once('compact', () => (compacted = true));
  for (let i = 0; i < 200; i++) {
    await j.add(entry(`x${i}`));
    await j.done(`x${i}`, 'not-needed');
    answered = i + 1;
    if (compacted) {
      assert.notEqual(startedAt, undefined, 'the compaction wrote k0\'s line');
      return { answered: startedAt as number };
    }
  }
  assert.fail('no compaction at growth after 200 entries answered');
}

test('FileJournal – a batch long enough to cover a failed write\'s unblanked bytes: the compaction at growth comes when it would have without the failure', async (t) => {
  const runs: number[] = [];
  for (const dirty of [false, true]) {
    const { j, faults } = await journal(t, dirty);
    // Longer than a1's line: its records reach past the failed bytes (no padding needed).
    await j.add(entry('b1', 'x'.repeat(200)));
    runs.push((await growWithAnswered(j, faults)).answered);
    assert.equal(j.halted(), undefined);
    assert.equal(j.size, 2, 'k0 and b1');
  }
  const [clean, dirty] = runs as [number, number];
  // One growth of the file is about 20 entries answered (4 KiB).
  assert.ok(dirty <= clean + 5, `compacted at the same growth of the file, not one growth later (${dirty} entries answered, against ${clean})`);
});

test('FileJournal – a failed write\'s unblanked bytes, then a later failed batch blanked over them: the next batch does not pad again', async (t) => {
  const { j, faults } = await journal(t, true);
  // Shorter than a1's line: it pads to the end of a1's bytes; it fails too, and its blanking (to where it reached,
  // past a1's bytes) succeeds.
  faults.rules.push({ marker: '"id":"b1"', failAfter: true });
  await assert.rejects(j.add({ id: 'b1', at: 1, reversal: { '0': '0400' } }), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.equal(faults.rules.length, 0);
  // c1, short too, is written alone (a `write`), with no blank lines after it (a `writev`).
  let padded = false;
  faults.rules.push({ marker: '"id":"c1"', method: 'writev', started: () => (padded = true) });
  await j.add({ id: 'c1', at: 1, reversal: { '0': '0400' } });
  assert.equal(padded, false, 'the failed bytes were blanked already: no padding over them');
  // That rule, never used (no writev of c1), would take the compaction's write (c1 is live) before k0's rule.
  faults.rules.length = 0;
  const { answered } = await growWithAnswered(j, faults);
  assert.ok(answered <= 25, `compacted at the first growth of the file (${answered} entries answered)`);
  assert.equal(j.size, 2, 'k0 and c1');
});
