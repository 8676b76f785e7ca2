// The file journal keeps the ends of reversals answered `25` (journal-overtaken.ts) at most OVERTAKEN_MAX, as the
// memory does: a host answering everything `25` for minutes must not leave tens of thousands of repeats (0401) for the
// next start, nor compactions rewriting them all. What the cap drops is logged once, at error, coded; what the journal
// keeps is what a stop counts. Real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal } from '../src/index.js';
import { OVERTAKEN_MAX } from '../src/reversal-overtaken.js';
import { capturedLogger, tempDir } from './helpers/setup.js';

/** Past the cap by this many. */
const OVER = 5;

/** Adds `n` reversals (STANs from 1) and ends each answered `25`, first so at `since + i`. */
async function endedUndidNothing(journal: FileJournal, n: number, since: number): Promise<void> {
  const stan = (i: number): string => String(i).padStart(6, '0');
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const reversal: IsoMessage = { '0': '0400', '2': '4111111111111111', '11': stan(i + 1), '41': 'TERM0001', '90': `0200${stan(i + 1)}` };
      await journal.add({ id: `e-${i + 1}`, reversal, at: since + i });
      journal.overtakenEnd(`e-${i + 1}`, { rc: '25', since: since + i });
      await journal.done(`e-${i + 1}`, 'reversed');
    }),
  );
}

/** The lines logged with the cap's code and cause. */
function capLines(lines: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return lines.filter((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_LOST' && l.cause === 'OVERTAKEN_MAX');
}

test('file journal: at most OVERTAKEN_MAX ends that undid nothing are kept (the oldest dropped, logged once), and the next start repeats those', async (t) => {
  const dir = tempDir(t, 'overtaken-cap');
  const { logger, lines, text } = capturedLogger('info');
  const journal = new FileJournal(dir, { logger });
  await journal.open();
  await endedUndidNothing(journal, OVERTAKEN_MAX + OVER, Date.now() - 60_000);
  const kept = journal.overtakenKept();
  assert.equal(kept.length, OVERTAKEN_MAX, 'kept at most OVERTAKEN_MAX');
  assert.equal(kept[0]?.id, `e-${OVER + 1}~1`, 'the oldest dropped');
  assert.deepEqual(capLines(lines).map((l) => l.level), [50], 'logged once, at error');
  await journal.close();

  const next = new FileJournal(dir, { logger });
  const left = await next.open();
  await next.close();
  assert.equal(left.length, OVERTAKEN_MAX, 'the next start stores as many repeats as were kept');
  assert.ok(left.every((e) => e.reversal['0'] === '0401'));
  assert.ok(!text().includes('4111111111111111'), 'no PAN in the log');
});

test('file journal: a file holding more than OVERTAKEN_MAX such ends (no compaction) is replayed as the newest OVERTAKEN_MAX, the rest logged once', async (t) => {
  const dir = tempDir(t, 'overtaken-cap-replay');
  const { logger, lines } = capturedLogger('info');
  // No compaction (at the close either): the file holds every `done` record.
  const journal = new FileJournal(dir, { logger, compactInterval: 0 });
  await journal.open();
  await endedUndidNothing(journal, OVERTAKEN_MAX + OVER, Date.now() - 60_000);
  await journal.close();
  lines.length = 0;

  const next = new FileJournal(dir, { logger });
  const left = await next.open();
  await next.close();
  assert.equal(left.length, OVERTAKEN_MAX, 'at most OVERTAKEN_MAX repeats');
  const stans = new Set(left.map((e) => Number(e.reversal['11'])));
  assert.ok(!stans.has(OVER) && stans.has(OVER + 1) && stans.has(OVERTAKEN_MAX + OVER), 'the newest kept');
  assert.deepEqual(capLines(lines).map((l) => [l.level, l.dropped]), [[50, OVER]], 'the rest logged once, at error');
});
