// A late approval left on a pending repeat (LATE_APPROVAL) that ends otherwise than reversed is passed on to another
// pending reversal of its transaction (overtaken-sql.ts passingOn); the first row reopened (a `done` whose reply was
// lost), both reversals are then answered 25 (UNDID_NOTHING), in either order: exactly one repeat (0401) is called for
// the one approval, whichever answer comes first, also when the row that took it was attempted again since (its code
// cleared by ATTEMPT, its repeat stored already), and when both answers are written at once (two nodes: the second
// waits for the first's row lock and reads its code).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import { sql } from './helpers/pg-owner-lock.js';
import { UNDID_NOTHING } from '../src/pg/overtaken-sql.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const reversal = (mti = '0400'): IsoMessage => ({ '0': mti, '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': '000101', '41': 'TERM0001' });
const approval: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000101', '39': '00', '41': 'TERM0001' };

/**
 * Node A's 0200 reversal `rev-0200` attempted, still pending; node B's repeat `rev-0201` added, the late approval left
 * on it, then ended `not-needed` (the approval passed on to `rev-0200`, pending) and reopened (its reply lost).
 */
async function passedOnToPending(t: TestContext, database: string) {
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
  await b.attempt('rev-0201', 1);
  assert.equal(await a.lateApproval(approval), undefined, 'no code yet: left on the newest pending row');
  await b.done('rev-0201', 'not-needed');
  const carried = await sql<{ id: string }>(url, 'SELECT id FROM iso8583_saf WHERE late_approval IS NOT NULL ORDER BY id');
  assert.deepEqual(carried.map((r) => r.id), ['rev-0200', 'rev-0201'], 'passed on to the pending 0200 reversal');
  await sql(url, "UPDATE iso8583_saf SET done_at = NULL, outcome = NULL WHERE id = 'rev-0201'");
  return { url, a, b };
}

/** Entry `id` answered 25 and ended; a repeat its write returns is stored at once (as the connector does), counted once. */
async function answered(journal: PgJournal, id: string, repeats: string[]): Promise<void> {
  const left = await journal.undidNothing(id, '25');
  if (left !== undefined && (await journal.add({ id: left.againId, reversal: reversal('0401'), at: Date.now() })) === undefined) repeats.push(left.againId);
  await journal.done(id, 'reversed');
}

for (const [name, first, second] of [
  ['the row it was passed on to first', 'rev-0200', 'rev-0201'],
  ['the row it came from first', 'rev-0201', 'rev-0200'],
] as const) {
  test(`an approval passed on to a pending reversal, both answered 25 (${name}): one repeat`, async (t) => {
    const { url, a, b } = await passedOnToPending(t, `passed_on_pending_${first.slice(-1)}`);
    const journals: Record<string, PgJournal> = { 'rev-0200': a, 'rev-0201': b };
    const repeats: string[] = [];
    await answered(journals[first]!, first, repeats);
    assert.deepEqual(repeats, [`${first}.again`], 'the first 25 calls for the repeat');
    await answered(journals[second]!, second, repeats);
    const owed = await a.repeatsOwed();
    assert.deepEqual([...repeats, ...owed.map((o) => o.againId)], [`${first}.again`], 'one 0401 for one approval');
    const stored = await sql<{ id: string }>(url, "SELECT id FROM iso8583_saf WHERE id LIKE '%.again'");
    assert.deepEqual(stored.map((r) => r.id), [`${first}.again`]);
  });
}

test('the row that called for the repeat attempted again since (its code cleared): the other 25 calls for none', async (t) => {
  const { url, a, b } = await passedOnToPending(t, 'passed_on_pending_again');
  const repeats: string[] = [];
  const left = await a.undidNothing('rev-0200', '25');
  assert.equal(left?.againId, 'rev-0200.again');
  assert.equal(await a.add({ id: 'rev-0200.again', reversal: reversal('0401'), at: Date.now() }), undefined);
  repeats.push('rev-0200.again');
  await a.attempt('rev-0200', 2); // its end not recorded (say its done failed): sent again, the code cleared
  await answered(b, 'rev-0201', repeats);
  await answered(a, 'rev-0200', repeats);
  const owed = await a.repeatsOwed();
  assert.deepEqual([...repeats, ...owed.map((o) => o.againId)], ['rev-0200.again'], 'the one stored, none more');
  const stored = await sql<{ id: string }>(url, "SELECT id FROM iso8583_saf WHERE id LIKE '%.again'");
  assert.deepEqual(stored.map((r) => r.id), ['rev-0200.again']);
});

test('both 25s written at once (two nodes): the second waits for the first and calls for no second repeat', async (t) => {
  const { url, b } = await passedOnToPending(t, 'passed_on_pending_race');
  const holder = new pg.Client({ connectionString: url });
  // The wait is watched from a connection of its own (inside the holder's transaction pg_stat_activity is a snapshot).
  const watcher = new pg.Client({ connectionString: url });
  await holder.connect();
  await watcher.connect();
  t.after(async () => {
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end();
    await watcher.end();
  });
  // Node A's write of rev-0200's 25, as its statement runs, not committed yet: it returns the approval.
  await holder.query('BEGIN');
  const first = await holder.query<{ approval: string | null }>(UNDID_NOTHING, ['rev-0200', '25', false]);
  assert.notEqual(first.rows[0]?.approval, null);
  let settled = false;
  const second = b.undidNothing('rev-0201', '25').finally(() => {
    settled = true;
  });
  second.catch(() => undefined);
  // Matched by its start: pg_stat_activity keeps a statement's first 1024 bytes only (track_activity_query_size).
  await waitUntil(async () => {
    if (settled) return true;
    const { rows } = await watcher.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1", [`${UNDID_NOTHING.slice(0, 60)}%`]);
    return (rows[0]?.n ?? 0) > 0;
  }, { what: 'the second 25\'s write waiting on the first one\'s lock (or settled)', timeoutMs: 20_000 });
  await holder.query('COMMIT');
  assert.equal(await second, undefined, 'rev-0200\'s repeat is the one');
  const rows = await sql<{ id: string; code: string | null }>(url, "SELECT id, undid_nothing AS code FROM iso8583_saf WHERE id LIKE 'rev-020_' ORDER BY id");
  assert.deepEqual(rows, [{ id: 'rev-0200', code: '25' }, { id: 'rev-0201', code: null }]);
});
