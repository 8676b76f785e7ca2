/**
 * The chaos run of chaos-ledger.test.ts on the PostgreSQL store: two gateway nodes (the real binary) share one
 * database, node A is killed (SIGKILL) at points a seeded generator picks among the bank's and the terminals' events
 * and started again, node B serves a terminal of its own throughout and takes node A's reversals over; once the store
 * has no SAF entry left undone, both stop with SIGTERM, and the bank's books are reconciled with what each terminal
 * was told (test/helpers/chaos-audit.ts). A purchase answered on disk before the kill is read from the store's rows
 * (outcome `not-needed`), as the file run reads the journal.
 *
 * `npm test` runs 1 kill (a PostgreSQL server and two nodes cost most of the time); ISO8583_CHAOS_KILLS and
 * ISO8583_CHAOS_SEED as in chaos-ledger.test.ts (`npm run chaos` runs both files).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { stopAll } from './helpers/cli.js';
import { formatCounts } from './helpers/chaos-audit.js';
import { chaosRun } from './helpers/chaos-run.js';
import { pgStore } from './helpers/chaos-stores.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-chaos-ledger-pg-'));
let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(async () => {
  await stopAll();
  cluster.destroy();
  rmSync(work, { recursive: true, force: true });
});

const seed = process.env.ISO8583_CHAOS_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.ISO8583_CHAOS_SEED);
/** Kill rounds of node A: ISO8583_CHAOS_KILLS, else 1. */
const kills = Number(process.env.ISO8583_CHAOS_KILLS ?? 1);

test(`two nodes on PostgreSQL, node A killed ${kills} times (seed ${seed}): every purchase told approved is approved at the bank, every other one is not or is reversed, none twice`, async (t) => {
  assert.ok(Number.isInteger(seed) && seed >= 0, `ISO8583_CHAOS_SEED must be a whole number, not ${process.env.ISO8583_CHAOS_SEED}`);
  assert.ok(Number.isInteger(kills) && kills >= 0, `ISO8583_CHAOS_KILLS must be a whole number, not ${process.env.ISO8583_CHAOS_KILLS}`);
  const replay = `ISO8583_CHAOS_SEED=${seed} ISO8583_CHAOS_KILLS=${kills} node scripts/test.mjs test/dist/chaos-ledger-pg.test`;
  t.diagnostic(`seed ${seed}; replay: ${replay}`);
  const store = pgStore(cluster.createDatabase('chaos_ledger'), work);
  try {
    const result = await chaosRun({ seed, kills, store, say: (line) => t.diagnostic(line) });
    for (const line of formatCounts(result.counts)) t.diagnostic(line);
    assert.deepEqual(result.violations, [], `the books do not reconcile (replay: ${replay}); kills: ${result.kills.join('; ')}`);
    assert.ok((result.counts['pos approved'] ?? 0) > 0, 'some purchases were approved');
    assert.doesNotMatch(result.gatewayLogs, /4111111111111111/, 'no PAN in the gateway logs');
  } finally {
    await store.end();
  }
});
