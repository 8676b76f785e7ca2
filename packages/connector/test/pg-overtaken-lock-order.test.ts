// Lock order between the statements that touch several rows of one transaction: UNDID_NOTHING locks them in id order,
// and a `done` that retires the transaction's 25 (saf-sql.ts DONE) must too, or two nodes (one writing a 25, one
// retiring) can each hold a row the other waits for: a deadlock (PostgreSQL aborts one). Two real sessions: one holds
// the lower id's row; the retiring `done` must then wait for it holding no other row of the transaction (it took
// the higher id's row first, in the order the rows were stored, before).
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

const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '11': '000101', '41': 'TERM0001' };

test('a done that retires a 25 locks the transaction\'s rows in id order, as UNDID_NOTHING does', async (t) => {
  const url = cluster.createDatabase('overtaken_lock_order');
  const a = new PgJournal({ url, lease: 30_000, owner: 'node-a' });
  await a.open();
  t.after(() => a.close());
  // Stored higher id first: a scan meets rev-b before rev-a.
  await a.add({ id: 'rev-b', reversal, at: Date.now() });
  await a.add({ id: 'rev-a', reversal, at: Date.now() });
  await sql(url, `UPDATE iso8583_saf SET late_approval = '{"0":"0210","39":"00"}'::jsonb WHERE id IN ('rev-a', 'rev-b')`);
  await a.add({ id: 'rev-c', reversal, at: Date.now() });
  a.retireOvertaken({ id: 'rev-c', reversal, at: Date.now() });
  const second = await probeWhileWaiting(t, url, 'rev-a', 'rev-b', 'the retiring done to wait for rev-a', () => a.done('rev-c', 'not-needed'));
  assert.equal(second, undefined, 'rev-b was not locked while the done waited for rev-a (55P03: it was)');
  const rows = await sql<{ id: string; approval: unknown }>(url, "SELECT id, late_approval AS approval FROM iso8583_saf WHERE id IN ('rev-a', 'rev-b') ORDER BY id");
  assert.deepEqual(rows, [{ id: 'rev-a', approval: null }, { id: 'rev-b', approval: null }], 'the approval in time took both off');
});
