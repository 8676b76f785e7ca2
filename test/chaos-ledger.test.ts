/**
 * "Every request has exactly one outcome; money is never lost or doubled", checked as an auditor would: the real
 * `iso8583 gateway` binary, with its file journal, between POS terminals on real TCP and a bank that keeps books, is
 * killed (SIGKILL) at points a seeded generator picks among events (the bank got an original, the bank just wrote an
 * approval that the POS has not read yet, a terminal read an answer, a reversal reached the bank) and started again
 * on the same journal; a last round stops with SIGTERM once the SAF queue has drained; then the bank's books are
 * reconciled with what each terminal was told (test/helpers/chaos-audit.ts says which promise each check is).
 *
 * `npm test` runs 2 kill rounds with a seed of its own each run (printed; ISO8583_CHAOS_SEED replays one);
 * `npm run chaos` runs many more (ISO8583_CHAOS_KILLS, default 40 there): see docs/operations.md.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopAll } from './helpers/cli.js';
import { formatCounts } from './helpers/chaos-audit.js';
import { chaosRun } from './helpers/chaos-run.js';
import { fileStore } from './helpers/chaos-stores.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-chaos-ledger-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** The seed: ISO8583_CHAOS_SEED to replay a run, else a fresh one. */
const seed = process.env.ISO8583_CHAOS_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.ISO8583_CHAOS_SEED);
/** Kill rounds: ISO8583_CHAOS_KILLS, else 2 (the bounded run of `npm test`: three starts of the gateway). */
const kills = Number(process.env.ISO8583_CHAOS_KILLS ?? 2);

test(`the gateway killed ${kills} times (seed ${seed}): every purchase the POS was told approved is approved at the bank, every other one is not or is reversed, none twice`, async (t) => {
  assert.ok(Number.isInteger(seed) && seed >= 0, `ISO8583_CHAOS_SEED must be a whole number, not ${process.env.ISO8583_CHAOS_SEED}`);
  assert.ok(Number.isInteger(kills) && kills >= 0, `ISO8583_CHAOS_KILLS must be a whole number, not ${process.env.ISO8583_CHAOS_KILLS}`);
  const replay = `ISO8583_CHAOS_SEED=${seed} ISO8583_CHAOS_KILLS=${kills} node scripts/test.mjs test/dist/chaos-ledger.test`;
  t.diagnostic(`seed ${seed}; replay: ${replay}`);
  const result = await chaosRun({ seed, kills, store: fileStore(join(work, 'journal')), say: (line) => t.diagnostic(line) });
  for (const line of formatCounts(result.counts)) t.diagnostic(line);
  assert.deepEqual(result.violations, [], `the books do not reconcile (replay: ${replay}); kills: ${result.kills.join('; ')}`);
  assert.ok((result.counts['pos approved'] ?? 0) > 0, 'some purchases were approved');
  assert.doesNotMatch(result.gatewayLogs, /4111111111111111/, 'no PAN in the gateway logs');
});
