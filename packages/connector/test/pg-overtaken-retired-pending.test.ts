// A repeat approved in time retires its transaction's 25 (saf-sql.ts DONE): a late approval of the original left on
// another repeat's pending row before that (LATE_APPROVAL) is no money owed either. The repeat's row ending otherwise
// later (not needed) logs no ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED (a false alarm: the transaction was approved in
// time), and its reversal answered 25 calls for no 0401 (that would reverse what the terminal was told approved).
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
 * Node A's 0200 reversed with 25 (`rev-0200`); node B's repeat `rev-0201` pending, the late approval left on it; then
 * B's repeat `rev-0202` (of `amount`) approved in time, its `done` retiring the 25.
 */
async function retiredAfterApproval(t: TestContext, database: string, amount?: string) {
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
  assert.equal(await a.lateApproval(approval), undefined, 'left on the repeat\'s pending row');
  await b.add({ id: 'rev-0202', reversal: reversal(amount), at: Date.now() });
  b.retireOvertaken({ id: 'rev-0202', reversal: reversal(amount), at: Date.now() });
  await b.done('rev-0202', 'not-needed');
  const alarms = (): unknown[] => lines.filter((l) => l.code === 'ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED').map((l) => l.id);
  return { url, a, b, alarms };
}

test('a repeat that carried the late approval ends not-needed after the 25 was retired: no alarm, nothing owed', async (t) => {
  const { a, b, alarms } = await retiredAfterApproval(t, 'retired_pending_no_alarm');
  await b.done('rev-0201', 'not-needed');
  assert.deepEqual(alarms(), [], 'the transaction was approved in time: no approval left unreversed');
  assert.deepEqual(await a.repeatsOwed(), []);
});

test('that repeat\'s reversal answered 25 after the retirement calls for no 0401', async (t) => {
  const { a, b } = await retiredAfterApproval(t, 'retired_pending_undid_nothing');
  await b.attempt('rev-0201', 1);
  assert.equal(await b.undidNothing('rev-0201', '25'), undefined, 'no repeat of an approval the terminal was told in time');
  await b.done('rev-0201', 'reversed');
  assert.deepEqual(await a.repeatsOwed(), []);
});

test('a repeat of another booking approved in time (the STAN used again) retires nothing: the approval is still passed on', async (t) => {
  const { url, a, b, alarms } = await retiredAfterApproval(t, 'retired_pending_other_booking', '000000002000');
  await b.done('rev-0201', 'not-needed');
  assert.deepEqual(alarms(), []);
  assert.deepEqual((await a.repeatsOwed()).map((o) => o.againId), ['rev-0200.again']);
  const [row] = await sql<{ code: string | null }>(url, "SELECT undid_nothing AS code FROM iso8583_saf WHERE id = 'rev-0200'");
  assert.equal(row?.code, '25');
});

test('a repeat that passed the late approval on (not-needed) and is reopened after the retirement calls for no 0401', async (t) => {
  const url = cluster.createDatabase('retired_pending_reopened_source');
  const a = new PgJournal({ url, lease: 3000, owner: 'node-a' });
  const b = new PgJournal({ url, lease: 3000, owner: 'node-b' });
  await a.open();
  await b.open();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await a.add({ id: 'rev-0200', reversal: reversal(), at: Date.now() });
  await b.add({ id: 'rev-0201', reversal: reversal(), at: Date.now() });
  assert.equal(await a.lateApproval(approval), undefined, 'left on the newest pending row, rev-0201');
  await b.done('rev-0201', 'not-needed');
  const [copied] = await sql<{ n: number }>(url, "SELECT count(*)::int AS n FROM iso8583_saf WHERE id = 'rev-0200' AND late_approval IS NOT NULL");
  assert.equal(copied?.n, 1, 'passed on to rev-0200');
  await b.add({ id: 'rev-0202', reversal: reversal(), at: Date.now() });
  b.retireOvertaken({ id: 'rev-0202', reversal: reversal(), at: Date.now() });
  await b.done('rev-0202', 'not-needed');
  await b.attempt('rev-0201', 2);
  assert.equal(await b.undidNothing('rev-0201', '25'), undefined, 'the transaction was approved in time: no repeat of its approval');
  await b.done('rev-0201', 'reversed');
  assert.deepEqual(await a.repeatsOwed(), []);
});
