// A `done` that retires a 25 (saf-sql.ts DONE) locks the batch's own row in id order with the transaction's other rows
// (mend60a): it used to change (lock) the batch row first, then wait for the lower ids, so that a session locking in
// id order (UNDID_NOTHING) that holds a lower id and then asks for the batch row deadlocked with it (PostgreSQL aborts
// one, retried: no money effect, but an error line and a retry). Two real sessions: one holds the lowest id's row; the
// retiring `done` must wait for it holding no row above it, the batch row neither.
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

const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '11': '000102', '41': 'TERM0001' };

test('a done that retires a 25 locks its own batch row in id order too: not before a lower id of the transaction it waits for', async (t) => {
  const url = cluster.createDatabase('done_lock_order');
  const a = new PgJournal({ url, lease: 30_000, owner: 'node-a' });
  await a.open();
  t.after(() => a.close());
  await a.add({ id: 'rev-a', reversal, at: Date.now() });
  await sql(url, `UPDATE iso8583_saf SET late_approval = '{"0":"0210","39":"00"}'::jsonb WHERE id = 'rev-a'`);
  await a.add({ id: 'rev-z', reversal, at: Date.now() }); // the batch row: above rev-a in id order
  a.retireOvertaken({ id: 'rev-z', reversal, at: Date.now() });
  const second = await probeWhileWaiting(t, url, 'rev-a', 'rev-z', 'the retiring done to wait for rev-a', () => a.done('rev-z', 'not-needed'));
  assert.equal(second, undefined, 'rev-z (the batch row) was not locked while the done waited for rev-a (55P03: it was)');
  const rows = await sql<{ id: string; approval: unknown; outcome: string | null }>(url, "SELECT id, late_approval AS approval, outcome FROM iso8583_saf WHERE id IN ('rev-a', 'rev-z') ORDER BY id");
  assert.deepEqual(rows, [{ id: 'rev-a', approval: null, outcome: null }, { id: 'rev-z', approval: null, outcome: 'not-needed' }], 'the approval in time took it off; the batch row ended');
});
