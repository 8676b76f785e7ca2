// A `done` whose batch row ends otherwise than reversed carrying a late approval passes it on to another row of the
// transaction (overtaken-sql.ts passingOn, saf-sql.ts DONE). That row must be locked with the batch's rows, in id
// order, before any is changed: the pass-on's update used to lock it last, after the batch row, so that a session
// locking a transaction's rows in id order (UNDID_NOTHING) that holds the target (a lower id) and then asks for the
// batch row deadlocked with it (PostgreSQL aborts one: an error line and a retry; sr62b #3). Two real sessions: one
// holds the target's row; the done must wait for it holding no row above it, the batch row neither.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import { probeWhileWaiting } from './helpers/pg-lock-order.js';
import { sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '11': '000103', '41': 'TERM0001' };

test('a done that passes a late approval on locks the row it passes it to in id order with its batch row: not after it', async (t) => {
  const url = cluster.createDatabase('done_pass_on_lock_order');
  const a = new PgJournal({ url, lease: 30_000, owner: 'node-a' });
  await a.open();
  t.after(() => a.close());
  await a.add({ id: 'rev-z', reversal, at: Date.now() }); // the batch row: above rev-a in id order
  await sql(url, `UPDATE iso8583_saf SET late_approval = '{"0":"0210","39":"00"}'::jsonb, late_approval_at = now() WHERE id = 'rev-z'`);
  await a.add({ id: 'rev-a', reversal, at: Date.now() }); // newer, pending: the row the approval is passed on to
  const second = await probeWhileWaiting(t, url, 'rev-a', 'rev-z', 'the done to wait for rev-a', () => a.done('rev-z', 'not-needed'));
  assert.equal(second, undefined, 'rev-z (the batch row) was not locked while the done waited for rev-a (55P03: it was)');
  const rows = await sql<{ id: string; approval: unknown; outcome: string | null }>(url, "SELECT id, late_approval->>'39' AS approval, outcome FROM iso8583_saf WHERE id IN ('rev-a', 'rev-z') ORDER BY id");
  assert.deepEqual(rows, [{ id: 'rev-a', approval: '00', outcome: null }, { id: 'rev-z', approval: '00', outcome: 'not-needed' }], 'the approval passed on to rev-a; the batch row ended');
});
