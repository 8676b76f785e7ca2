// A late approval left on another node's pending repeat (LATE_APPROVAL) is passed on to its transaction's reversal that
// undid nothing whatever way the repeat's row ends (overtaken-sql.ts passOnApproval): by its add forgotten (FORGET), at
// any age of the approval (the reversal's row kept for it, the repeat owed from when it is passed on), only to a row of
// the same booking (amount, card, acquirer), reversed once (a copy on the repeat's row reopened is not a second repeat),
// and never when the transaction's code was retired in time. A pass-on that finds no row is logged, coded, by id.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import type pg from 'pg';
import { capturedLogger, sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import type { PgJournalOptions } from '../src/index.js';
import { sql } from './helpers/pg-owner-lock.js';
import { PURGE } from '../src/pg/saf-sql.js';
import { OWED_FOR_MS } from '../src/reversal-overtaken.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** The card of every row and of the approval (a test card number): what no log line may hold. */
const PAN = '4111111111111111';
const reversal = (amount = '000000001000'): IsoMessage => ({ '0': '0400', '2': PAN, '3': '000000', '4': amount, '11': '000101', '41': 'TERM0001' });
const approval: IsoMessage = { '0': '0210', '2': PAN, '4': '000000001000', '11': '000101', '39': '00', '41': 'TERM0001' };

/** What the test reaches of a journal's ends of adds whose fate was unknown (`unsure`, `forget`: journal-renewal.ts). */
interface Forgetting {
  unsure: Set<string>;
  forget(pool: pg.Pool): Promise<void>;
  ready(): pg.Pool;
}

/** Node A's 0200 reversed with 25 (`rev-0200`, amount `amount`), node B's repeat `rev-0201` added; the late approval left on it. */
async function approvalOnRepeat(t: TestContext, database: string, options: { amount?: string; b?: Partial<PgJournalOptions> } = {}) {
  const url = cluster.createDatabase(database);
  const a = new PgJournal({ url, lease: 3000, owner: 'node-a' });
  const b = new PgJournal({ url, lease: 3000, owner: 'node-b', ...options.b });
  await a.open();
  await b.open();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await a.add({ id: 'rev-0200', reversal: reversal(options.amount), at: Date.now() });
  await a.attempt('rev-0200', 1);
  assert.equal(await a.undidNothing('rev-0200', '25'), undefined);
  await a.done('rev-0200', 'reversed');
  await b.add({ id: 'rev-0201', reversal: reversal(), at: Date.now() });
  assert.equal(await a.lateApproval(approval), undefined, 'left on the repeat\'s pending row');
  const [parked] = await sql<{ id: string }>(url, 'SELECT id FROM iso8583_saf WHERE late_approval IS NOT NULL');
  assert.equal(parked?.id, 'rev-0201');
  return { url, a, b };
}

/**
 * Every time of every row `ms` earlier but its lease's and fence's (the nodes still hold their entries): the rows as
 * they are `ms` later (the database's clock is not ours to move).
 */
async function later(url: string, ms: number): Promise<void> {
  const columns = await sql<{ name: string }>(url, `SELECT column_name AS name FROM information_schema.columns
    WHERE table_name = 'iso8583_saf' AND data_type = 'timestamp with time zone' AND column_name NOT IN ('lease_until', 'attempt_until')`);
  const set = columns.map((c) => `${c.name} = ${c.name} - $1 * interval '1 millisecond'`).join(', ');
  await sql(url, `UPDATE iso8583_saf SET ${set}`, [ms]);
}

/** A renewal's purge, rows done kept for no time (`purgeAfter` 0): only those kept for a late approval stay. */
async function purge(url: string): Promise<void> {
  await sql(url, PURGE, [0, OWED_FOR_MS]);
}

test('a repeat whose add was in doubt, ended not-sent (FORGET), passes its late approval on: the repeat of the 25 is owed', async (t) => {
  const { a, b } = await approvalOnRepeat(t, 'pass_on_forget');
  const forgetting = b as unknown as Forgetting;
  forgetting.unsure.add('rev-0201');
  await forgetting.forget(forgetting.ready());
  const owed = await a.repeatsOwed();
  assert.deepEqual(owed.map((o) => [o.againId, o.responseCode]), [['rev-0200.again', '25']]);
});

test('a repeat given up hours after the late approval came passes it on (the 25\'s row kept for it): owed', async (t) => {
  const { url, a, b } = await approvalOnRepeat(t, 'pass_on_hours_later');
  await later(url, 5 * 3_600_000);
  await purge(url);
  await b.done('rev-0201', 'expired');
  const owed = await a.repeatsOwed();
  assert.deepEqual(owed.map((o) => [o.againId, o.responseCode]), [['rev-0200.again', '25']]);
});

test('an approval passed on to a 25 ended 21.9 minutes before is still owed at the next read, a minute later', async (t) => {
  const { url, a, b } = await approvalOnRepeat(t, 'pass_on_read_later');
  await later(url, 21.9 * 60_000);
  await b.done('rev-0201', 'not-needed');
  await later(url, 60_000);
  await purge(url);
  const owed = await a.repeatsOwed();
  assert.deepEqual(owed.map((o) => o.againId), ['rev-0200.again']);
});

test('a 25 of another booking (the STAN used again, another amount) takes no approval passed on; the loss is logged by id', async (t) => {
  const { logger, lines } = capturedLogger();
  const { url, a, b } = await approvalOnRepeat(t, 'pass_on_other_booking', { amount: '000000002000', b: { logger } });
  await b.done('rev-0201', 'not-needed');
  assert.deepEqual(await a.repeatsOwed(), [], 'no 0401 of 20.00 for an approval of 10.00');
  const [target] = await sql<{ approval: unknown }>(url, "SELECT late_approval AS approval FROM iso8583_saf WHERE id = 'rev-0200'");
  assert.equal(target?.approval, null);
  const logged = lines.filter((l) => l.code === 'ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED');
  assert.deepEqual(logged.map((l) => l.id), ['rev-0201']);
  assert.ok(!JSON.stringify(lines).includes(PAN), 'the card number in the log');
});

test('an approval copied on by a not-needed later reopened and answered 25 calls for one repeat, not two', async (t) => {
  const { url, a, b } = await approvalOnRepeat(t, 'pass_on_reopened');
  await b.done('rev-0201', 'not-needed');
  // Its reply lost: the node reopens the entry (REOPEN, ATTEMPT and RELEASE reopen a `not-needed` row of theirs).
  await sql(url, "UPDATE iso8583_saf SET done_at = NULL, outcome = NULL WHERE id = 'rev-0201'");
  assert.equal(await b.undidNothing('rev-0201', '25'), undefined, 'the approval is rev-0200\'s to reverse already');
  await b.done('rev-0201', 'reversed');
  const owed = await a.repeatsOwed();
  assert.deepEqual(owed.map((o) => o.againId), ['rev-0200.again']);
});

test('a repeat approved in time retires the 25; the approval on another repeat ended after it, in another statement, is not passed on', async (t) => {
  const { url, a, b } = await approvalOnRepeat(t, 'pass_on_after_retired');
  await b.add({ id: 'rev-0202', reversal: reversal(), at: Date.now() });
  b.retireOvertaken({ id: 'rev-0202', reversal: reversal(), at: Date.now() });
  await b.done('rev-0202', 'not-needed');
  await b.done('rev-0201', 'not-needed');
  const [row] = await sql<{ approval: unknown; code: string | null }>(url, "SELECT late_approval AS approval, undid_nothing AS code FROM iso8583_saf WHERE id = 'rev-0200'");
  assert.deepEqual(row, { approval: null, code: null });
  assert.deepEqual(await a.repeatsOwed(), []);
});
