// A reversal's 25 that defers to another row's code (UNDID_NOTHING's "covered": that row carries the same late approval
// with its code, its repeat owed there) records which row covers it (`covered_by`, schema step 13). When a re-attempt
// clears that row's code (ATTEMPT) before its repeat is stored, the obligation goes back to the row that deferred,
// exactly once: the late approval is never owed nowhere (reproduced: logged ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED,
// nothing owed), nor twice (the repeat keeps the covering row's id, so a slow node's store of it is the same entry),
// nor lost to the purge of the row that deferred while the covering row is pending.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { capturedLogger, sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import { PURGE } from '../src/pg/saf-sql.js';
import { OWED_FOR_MS } from '../src/reversal-overtaken.js';
import { sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '11': '000101', '41': 'TERM0001' };
const approval: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000101', '39': '00', '41': 'TERM0001' };

/**
 * `rev-0200` (node A) and `rev-0201` (node B) of one booking both carry the late approval (left on the newer, passed on
 * to the older as it ended not needed); A's 25 returns it (its repeat's store then fails: nothing stored), B's row,
 * reopened and answered 25, defers to A's code; then A attempts `rev-0200` again (its code cleared).
 */
async function deferredThenReattempted(t: TestContext, database: string) {
  const url = cluster.createDatabase(database);
  const { logger, lines } = capturedLogger();
  const a = new PgJournal({ url, lease: 3000, owner: 'node-a', logger });
  const b = new PgJournal({ url, lease: 3000, owner: 'node-b', logger });
  await a.open();
  await b.open();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await a.add({ id: 'rev-0200', reversal, at: Date.now() });
  await b.add({ id: 'rev-0201', reversal, at: Date.now() });
  assert.equal(await a.lateApproval(approval), undefined, 'left on the newest pending row, rev-0201');
  await b.done('rev-0201', 'not-needed');
  await a.attempt('rev-0200', 1);
  assert.equal((await a.undidNothing('rev-0200', '25'))?.againId, 'rev-0200.again', 'passed on to rev-0200: its 25 returns it');
  await b.attempt('rev-0201', 2);
  assert.equal(await b.undidNothing('rev-0201', '25'), undefined, 'covered by rev-0200\'s code');
  await b.done('rev-0201', 'reversed');
  await a.attempt('rev-0200', 2);
  const alarms = (): unknown[] => lines.filter((l) => l.code === 'ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED').map((l) => l.id);
  const repeats = async (): Promise<string[]> =>
    (await sql<{ id: string }>(url, "SELECT id FROM iso8583_saf WHERE id LIKE '%.again' ORDER BY id")).map((r) => r.id);
  return { url, a, b, alarms, repeats };
}

test('the covering row re-attempted and given up: the repeat is owed once, on the row that deferred', async (t) => {
  const { a, alarms } = await deferredThenReattempted(t, 'covered_source_expired');
  await a.done('rev-0200', 'expired');
  assert.deepEqual(alarms(), [], 'the approval is owed, not left unreversed');
  assert.deepEqual((await a.repeatsOwed()).map((o) => o.againId), ['rev-0200.again'], 'under the one id its 25 was returned with');
});

test('the row that deferred, ended, outlives purgeAfter while the covering row is pending: the repeat still goes back to it', async (t) => {
  const { url, a, alarms } = await deferredThenReattempted(t, 'covered_source_purged');
  await sql(url, PURGE, [0, OWED_FOR_MS]);
  await a.done('rev-0200', 'expired');
  assert.deepEqual(alarms(), [], 'the approval is owed, not left unreversed');
  assert.deepEqual((await a.repeatsOwed()).map((o) => o.againId), ['rev-0200.again']);
});

test('the row that deferred outlives OWED_FOR_MS too while the covering row is still retried: the repeat still goes back to it', async (t) => {
  // sr60f: the purge's second branch deleted it once its own marks were OWED_FOR_MS old, the covering row (its code
  // cleared by the re-attempt) carrying no late approval to hold it: that row's end then found it gone.
  const { url, a, alarms } = await deferredThenReattempted(t, 'covered_source_purged_late');
  await sql(url, `UPDATE iso8583_saf SET done_at = done_at - interval '1 hour', late_approval_at = late_approval_at - interval '1 hour' WHERE covered_by IS NOT NULL`, []);
  await sql(url, PURGE, [0, OWED_FOR_MS]);
  await a.done('rev-0200', 'expired');
  assert.deepEqual(alarms(), [], 'the approval is owed, not left unreversed');
  assert.deepEqual((await a.repeatsOwed()).map((o) => o.againId), ['rev-0200.again']);
});

test('the repeat gone back to the row that deferred, then the slow node stores the one its 25 returned: one repeat in all', async (t) => {
  const { a, repeats } = await deferredThenReattempted(t, 'covered_source_slow_store');
  await a.done('rev-0200', 'expired');
  await a.add({ id: 'rev-0200.again', reversal: { ...reversal, '0': '0401' }, at: Date.now() });
  assert.deepEqual(await a.repeatsOwed(), [], 'the repeat owed is the one stored');
  assert.deepEqual(await repeats(), ['rev-0200.again']);
});

test('the covering row re-attempted and answered 25 again: the repeat is owed once, not twice', async (t) => {
  const { a } = await deferredThenReattempted(t, 'covered_source_again');
  const again = await a.undidNothing('rev-0200', '25');
  await a.done('rev-0200', 'reversed');
  const owed = (await a.repeatsOwed()).map((o) => o.againId);
  const repeats = new Set([...owed, ...(again === undefined ? [] : [again.againId])]);
  assert.deepEqual([...repeats], ['rev-0200.again'], 'one repeat in all, of the row whose 25 returned it');
});

test('the covering row\'s repeat stored (the slow node) before it is given up: nothing goes back to the row that deferred', async (t) => {
  const { a, repeats } = await deferredThenReattempted(t, 'covered_source_stored');
  await a.add({ id: 'rev-0200.again', reversal: { ...reversal, '0': '0401' }, at: Date.now() });
  await a.done('rev-0200', 'expired');
  assert.deepEqual((await a.repeatsOwed()).map((o) => o.againId), []);
  assert.deepEqual(await repeats(), ['rev-0200.again'], 'one repeat in all');
});
