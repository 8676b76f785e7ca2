// A `done` that may pass a late approval on locks, with its batch rows, the rows the pass-on may change
// (overtaken-sql.ts passOnLockRows): those under the node's upstream keys, or naming the row's root. Not a row of the
// same terminal and STAN under another key (another bank's transaction): the done used to wait for it while another
// session held it (sr63e #3). One real session holds that row; the done must end without waiting for it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import { sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '11': '000105', '41': 'TERM0001' };

test('a done that passes a late approval on does not lock a row of the same terminal and STAN under another key', async (t) => {
  const url = cluster.createDatabase('done_pass_on_lock_keys');
  const a = new PgJournal({ url, lease: 30_000, owner: 'node-a' });
  await a.open();
  t.after(() => a.close());
  await a.add({ id: 'rev-z', reversal, at: Date.now() }); // the batch row, carrying a late approval
  await sql(url, `UPDATE iso8583_saf SET late_approval = '{"0":"0210","39":"00"}'::jsonb, late_approval_at = now() WHERE id = 'rev-z'`);
  await a.add({ id: 'rev-a', reversal, at: Date.now() }); // the row the approval is passed on to
  await a.add({ id: 'rev-b', reversal, at: Date.now() });
  await sql(url, "UPDATE iso8583_saf SET upstream = 'another-key' WHERE id = 'rev-b'"); // another key's, pending
  const other = new pg.Client(url);
  await other.connect();
  t.after(() => other.end());
  await other.query('BEGIN');
  await other.query("SELECT 1 FROM iso8583_saf WHERE id = 'rev-b' FOR UPDATE");
  let settled = false;
  const done = a.done('rev-z', 'not-needed').finally(() => {
    settled = true;
  });
  // Until the done ends, or waits for a lock (only rev-b's is held): whichever comes first.
  let waited = false;
  while (!settled && !waited) {
    const [row] = await sql<{ n: number }>(url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
    waited = (row?.n ?? 0) > 0;
  }
  await other.query('ROLLBACK');
  await done;
  assert.equal(waited, false, 'the done waited for rev-b, another key\'s row');
  const rows = await sql<{ id: string; approval: unknown }>(url, "SELECT id, late_approval->>'39' AS approval FROM iso8583_saf WHERE id IN ('rev-a', 'rev-b') ORDER BY id");
  assert.deepEqual(rows, [{ id: 'rev-a', approval: '00' }, { id: 'rev-b', approval: null }], 'the approval passed on to rev-a only');
});
