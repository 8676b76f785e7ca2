// The rows a `done` (or a renewal's `forget`) passes a late approval on to (overtaken-sql.ts passOnLockRows, saf-sql.ts
// DONE, FORGET) are locked with its batch rows in id order, read from the statement's snapshot. A late approval left on
// the batch row after that snapshot (another node's LATE_APPROVAL committing while the statement waited for the row)
// used to leave them out of the set (it took only rows of a batch row carrying an approval then), and the pass-on then
// locked its target last, after the batch row: the lock-order race of sr62b #3 again, a deadlock with a session locking
// in id order (PostgreSQL aborts one; sr63i). Three real sessions: one holds the target (rev-a, the lower id), one
// leaves the approval on the batch row (rev-z) and commits once the statement waits; it must wait for rev-a holding no
// row above it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import type pg from 'pg';
import { PgJournal } from '../src/index.js';
import { probeAfterLanding } from './helpers/pg-lock-order.js';
import { sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '11': '000104', '41': 'TERM0001' };
const LAND = `UPDATE iso8583_saf SET late_approval = '{"0":"0210","39":"00"}'::jsonb, late_approval_at = now() WHERE id = 'rev-z'`;

test('a late approval left on the batch row after the done\'s snapshot: the row it passes it to is still locked first, in id order', async (t) => {
  const url = cluster.createDatabase('done_pass_on_late_approval');
  const a = new PgJournal({ url, lease: 30_000, owner: 'node-a' });
  await a.open();
  t.after(() => a.close());
  await a.add({ id: 'rev-z', reversal, at: Date.now() }); // the batch row: above rev-a in id order
  await a.add({ id: 'rev-a', reversal, at: Date.now() }); // newer, pending: the row the approval is passed on to
  const second = await probeAfterLanding(t, url, 'rev-a', 'rev-z', LAND, 'the done to wait for a row', () => a.done('rev-z', 'not-needed'));
  assert.equal(second, undefined, 'rev-z (the batch row) was not locked while the done waited for rev-a (55P03: it was)');
  const rows = await sql<{ id: string; approval: unknown; outcome: string | null }>(url, "SELECT id, late_approval->>'39' AS approval, outcome FROM iso8583_saf WHERE id IN ('rev-a', 'rev-z') ORDER BY id");
  assert.deepEqual(rows, [{ id: 'rev-a', approval: '00', outcome: null }, { id: 'rev-z', approval: '00', outcome: 'not-needed' }], 'the approval that landed passed on to rev-a, not dropped; the batch row ended');
});

/** What the test reaches of a journal's ends of adds whose fate was unknown (`unsure`, `forget`: journal-renewal.ts). */
interface Forgetting {
  unsure: Set<string>;
  forget(pool: pg.Pool): Promise<void>;
  ready(): pg.Pool;
}

test('a late approval left on a forgotten add\'s row after the forget\'s snapshot: the row it passes it to is still locked first, in id order', async (t) => {
  const url = cluster.createDatabase('forget_pass_on_late_approval');
  const a = new PgJournal({ url, lease: 30_000, owner: 'node-a' });
  await a.open();
  t.after(() => a.close());
  await a.add({ id: 'rev-z', reversal, at: Date.now() }); // the batch row (never attempted): above rev-a in id order
  await a.add({ id: 'rev-a', reversal, at: Date.now() }); // newer, pending: the row the approval is passed on to
  const forgetting = a as unknown as Forgetting;
  forgetting.unsure.add('rev-z'); // its add's fate unknown, as after a connection broke during it
  const second = await probeAfterLanding(t, url, 'rev-a', 'rev-z', LAND, 'the forget to wait for a row', () => forgetting.forget(forgetting.ready()));
  assert.equal(second, undefined, 'rev-z (the batch row) was not locked while the forget waited for rev-a (55P03: it was)');
  const rows = await sql<{ id: string; approval: unknown; outcome: string | null }>(url, "SELECT id, late_approval->>'39' AS approval, outcome FROM iso8583_saf WHERE id IN ('rev-a', 'rev-z') ORDER BY id");
  assert.deepEqual(rows, [{ id: 'rev-a', approval: '00', outcome: null }, { id: 'rev-z', approval: '00', outcome: 'not-sent' }], 'the approval that landed passed on to rev-a, not dropped; the batch row ended');
});
