// Two nodes on one database, 200 reversals, and node A's owner lock session terminated again and again (after a
// seeded number of host messages; after some kills node A takes its lock again only once node B has taken over its
// entries): every reversal is answered, none lost, and no key is sent by both nodes at once (the host sees repeats,
// 0401, one after another: a node taking an entry over sends it after the other's attempt of it is over). The long version (ISO8583_PG_CHURN=ROUNDS, one seed a round) is a probe, not run by default.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { churn } from './helpers/pg-churn.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('churn: 200 reversals on two nodes, one node\'s lock session terminated again and again: each answered, none sent by both nodes at once', async () => {
  const result = await churn(cluster.createDatabase('churn_bounded'), { reversals: 200, seed: 1, killEvery: 12, timeoutMs: 12_000 });
  console.log(`churn seed 1: ${JSON.stringify({ ...result, overlaps: result.overlaps.length, lateWrites: result.lateWrites.length })}`);
  assert.deepEqual(result.overlaps, [], 'no key sent by one node while the other\'s attempt of it was in flight');
  assert.deepEqual(result.lateWrites, [], 'no attempt written after its flight');
  assert.equal(result.reversed, result.purchases, 'every purchase that left reversed');
  assert.equal(result.unsent, 0);
  assert.ok(result.kills > 0, 'the lock session was terminated');
  assert.ok(result.holds > 0 && result.keysByBoth > 0, 'entries were taken over while their node ran, and sent by the other');
});

const rounds = Number(process.env['ISO8583_PG_CHURN'] ?? 0);
test('churn, long (ISO8583_PG_CHURN rounds)', { skip: rounds > 0 ? false : 'set ISO8583_PG_CHURN=ROUNDS to run it' }, async () => {
  const totals = { overlaps: 0, lateWrites: 0, kills: 0, holds: 0, keysByBoth: 0, messages: 0 };
  for (let seed = 1; seed <= rounds; seed++) {
    const result = await churn(cluster.createDatabase(`churn_long_${seed}`), { reversals: 200, seed, killEvery: 12, timeoutMs: 60_000 });
    console.log(`churn seed ${seed}: ${JSON.stringify({ ...result, overlaps: result.overlaps.length, lateWrites: result.lateWrites.length })}`);
    totals.overlaps += result.overlaps.length;
    totals.lateWrites += result.lateWrites.length;
    for (const o of result.overlaps) console.log(`overlap ${JSON.stringify(o)}`);
    totals.kills += result.kills;
    totals.holds += result.holds;
    totals.keysByBoth += result.keysByBoth;
    totals.messages += Object.values(result.byMti).reduce((a, b) => a + b, 0);
    assert.equal(result.reversed, result.purchases);
    assert.equal(result.unsent, 0);
  }
  console.log(`churn totals over ${rounds} rounds: ${JSON.stringify(totals)}`);
  assert.equal(totals.overlaps, 0);
  assert.equal(totals.lateWrites, 0);
});
