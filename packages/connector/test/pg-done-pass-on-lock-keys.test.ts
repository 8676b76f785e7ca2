// A `done` that may pass a late approval on locks, with its batch rows, the rows the pass-on may change
// (overtaken-sql.ts passOnLockRows): those under the node's upstream keys, or naming the row's root. Not a row of the
// same terminal and STAN under another key (another bank's transaction): the done used to wait for it while another
// session held it (sr63e #3). Nor a row of another booking (a reused STAN): the pass-on never takes one, and the lock
// of it made every done of a declined original wait on other transactions (sr64b #2). One real session holds that
// row; the done must end without waiting for it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import { waitsWhileHeld } from './helpers/pg-lock-order.js';
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
  const waited = await waitsWhileHeld(t, url, 'rev-b', 'the done to end or wait for rev-b', () => a.done('rev-z', 'not-needed'));
  assert.equal(waited, false, 'the done waited for rev-b, another key\'s row');
  const rows = await sql<{ id: string; approval: unknown }>(url, "SELECT id, late_approval->>'39' AS approval FROM iso8583_saf WHERE id IN ('rev-a', 'rev-b') ORDER BY id");
  assert.deepEqual(rows, [{ id: 'rev-a', approval: '00' }, { id: 'rev-b', approval: null }], 'the approval passed on to rev-a only');
});

test('a done that may pass an approval on does not lock a pending row of another booking of the same terminal and STAN (sr64b #2)', async (t) => {
  const url = cluster.createDatabase('done_pass_on_lock_booking');
  const a = new PgJournal({ url, lease: 30_000, owner: 'node-a' });
  await a.open();
  t.after(() => a.close());
  // The common path: a reversal whose original was declined ends 'not-needed', carrying no approval; another
  // transaction (another amount) reused the terminal's STAN and is pending, under the same key, held by a session.
  await a.add({ id: 'rev-z', reversal, at: Date.now() });
  await a.add({ id: 'rev-o', reversal: { ...reversal, '4': '000000002500' }, at: Date.now() });
  const waited = await waitsWhileHeld(t, url, 'rev-o', 'the done to end or wait for rev-o', () => a.done('rev-z', 'not-needed'));
  assert.equal(waited, false, 'the done waited for rev-o, another booking\'s row');
  const rows = await sql<{ id: string; outcome: string | null }>(url, 'SELECT id, outcome FROM iso8583_saf ORDER BY id');
  assert.deepEqual(rows, [{ id: 'rev-o', outcome: null }, { id: 'rev-z', outcome: 'not-needed' }], 'rev-z ended; rev-o untouched, pending');
});
