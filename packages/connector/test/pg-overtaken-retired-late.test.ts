// A repeat approved in time retires its transaction's 25 (saf-sql.ts DONE), and the retirement is recorded
// (`retired_at`, schema step 13): the original's late approval arriving AFTER it (the other order is
// pg-overtaken-retired-pending.test.ts) is the booking the terminal was told approved. It must not be left on another
// repeat's pending row of the booking, whose 25 would then call for a 0401 reversing that approval, or whose end
// (not needed) would log ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED for an approval owed nowhere (a false alarm).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { capturedLogger, sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import { sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const reversal = (amount = '000000001000'): IsoMessage => ({ '0': '0400', '2': '4111111111111111', '3': '000000', '4': amount, '11': '000101', '41': 'TERM0001' });
const approval: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000101', '39': '00', '41': 'TERM0001' };

/**
 * Node A's 0200 reversed with 25 (`rev-0200`); node B's repeat `rev-0201` pending; B's repeat `rev-0202` (of `amount`)
 * approved in time, its `done` retiring the 25; then the original's late approval reaches node A.
 */
async function lateAfterRetirement(t: TestContext, database: string, amount?: string) {
  const url = cluster.createDatabase(database);
  const { logger, lines } = capturedLogger();
  const a = new PgJournal({ url, lease: 3000, owner: 'node-a' });
  const b = new PgJournal({ url, lease: 3000, owner: 'node-b', logger });
  await a.open();
  await b.open();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await a.add({ id: 'rev-0200', reversal: reversal(), at: Date.now() });
  await a.attempt('rev-0200', 1);
  assert.equal(await a.undidNothing('rev-0200', '25'), undefined);
  await a.done('rev-0200', 'reversed');
  await b.add({ id: 'rev-0201', reversal: reversal(), at: Date.now() });
  await b.add({ id: 'rev-0202', reversal: reversal(amount), at: Date.now() });
  b.retireOvertaken({ id: 'rev-0202', reversal: reversal(amount), at: Date.now() });
  await b.done('rev-0202', 'not-needed');
  const found = await a.lateApproval(approval);
  const alarms = (): unknown[] => lines.filter((l) => l.code === 'ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED').map((l) => l.id);
  const carried = async (): Promise<string[]> =>
    (await sql<{ id: string }>(url, 'SELECT id FROM iso8583_saf WHERE late_approval IS NOT NULL ORDER BY id')).map((r) => r.id);
  return { url, a, b, found, alarms, carried };
}

test('a late approval after the repeat approved in time: left on no pending repeat, whose 25 then calls for no 0401', async (t) => {
  const { a, b, found, carried } = await lateAfterRetirement(t, 'retired_late_undid_nothing');
  assert.equal(found, undefined);
  assert.deepEqual(await carried(), [], 'the transaction was approved in time: the approval is left on no row');
  await b.attempt('rev-0201', 1);
  assert.equal(await b.undidNothing('rev-0201', '25'), undefined, 'no 0401 of an approval the terminal was told in time');
  await b.done('rev-0201', 'reversed');
  assert.deepEqual(await a.repeatsOwed(), []);
});

test('a late approval after the repeat approved in time: the pending repeat ending not needed raises no alarm', async (t) => {
  const { a, b, alarms } = await lateAfterRetirement(t, 'retired_late_not_needed');
  await b.done('rev-0201', 'not-needed');
  assert.deepEqual(alarms(), [], 'no approval left unreversed: the transaction was approved in time');
  assert.deepEqual(await a.repeatsOwed(), []);
});

test('a late approval after a repeat of ANOTHER booking was approved in time (the STAN used again) is still reversed', async (t) => {
  const { a, b, found, alarms, carried } = await lateAfterRetirement(t, 'retired_late_other_booking', '000000002000');
  assert.equal(found, undefined);
  assert.deepEqual(await carried(), ['rev-0201'], 'left on the newest pending row of its booking, as before');
  await b.done('rev-0201', 'not-needed');
  assert.deepEqual(alarms(), []);
  assert.deepEqual((await a.repeatsOwed()).map((o) => o.againId), ['rev-0200.again'], 'the 25 of this booking was not retired');
});

/**
 * Two nodes on database `database`: A's reversal `rev-0200` attempted (its answer not yet in), B's repeat `rev-0201`
 * of the same booking approved in time (retired, ended not needed) meanwhile.
 */
async function retiredWhileReversalPending(t: TestContext, database: string): Promise<{ url: string; a: PgJournal }> {
  const url = cluster.createDatabase(database);
  const a = new PgJournal({ url, lease: 3000, owner: 'node-a' });
  const b = new PgJournal({ url, lease: 3000, owner: 'node-b' });
  await a.open();
  await b.open();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await a.add({ id: 'rev-0200', reversal: reversal(), at: Date.now() });
  await a.attempt('rev-0200', 1);
  await b.add({ id: 'rev-0201', reversal: reversal(), at: Date.now() });
  b.retireOvertaken({ id: 'rev-0201', reversal: reversal(), at: Date.now() });
  await b.done('rev-0201', 'not-needed');
  return { url, a };
}

test('the 25 answered after the repeat approved in time (its reversal still pending then): its late approval is not reversed', async (t) => {
  const { a } = await retiredWhileReversalPending(t, 'retired_late_pending_25');
  assert.equal(await a.undidNothing('rev-0200', '25'), undefined);
  await a.done('rev-0200', 'reversed');
  assert.equal(await a.lateApproval(approval), undefined, 'the transaction was approved in time: no 0401');
  assert.deepEqual(await a.repeatsOwed(), []);
});

test('the 25 answered on a row retired long before (its retirement out of the window): its late approval is not reversed', async (t) => {
  const { url, a } = await retiredWhileReversalPending(t, 'retired_late_old_retirement');
  await sql(url, "UPDATE iso8583_saf SET retired_at = retired_at - interval '120 seconds' WHERE retired_at IS NOT NULL");
  await a.undidNothing('rev-0200', '25');
  await a.done('rev-0200', 'reversed');
  assert.equal(await a.lateApproval(approval, 60_000), undefined, 'the transaction was approved in time: no 0401');
  assert.deepEqual(await a.repeatsOwed(), []);
});
