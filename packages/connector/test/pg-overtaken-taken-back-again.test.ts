// A row that took a late approval's repeat back while pending (overtaken-sql.ts `passingOn`: the row covering it ended
// otherwise than reversed, its code cleared by a re-attempt, its repeat not stored yet) and is then answered `25`
// itself must name the same repeat as the covering row (mend60a): a slow node that got the covering row's `25` first
// stores that row's `.again`; a second id for the same obligation would be a second `0401` of one late approval.
// Real server, the journal's own statements (the approval set on both rows by hand, as pg-overtaken-lock-order does).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
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

const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '11': '000103', '41': 'TERM0001' };

test('a row that took the repeat back while pending, then answered 25 itself, names the covering row\'s repeat: stored once', async (t) => {
  const url = cluster.createDatabase('overtaken_taken_back_again');
  const a = new PgJournal({ url, lease: 60_000, owner: 'node-a' });
  await a.open();
  t.after(() => a.close());
  await a.add({ id: 'rev-x', reversal, at: Date.now() });
  await a.add({ id: 'rev-y', reversal, at: Date.now() });
  await a.attempt('rev-x', 1);
  await a.attempt('rev-y', 1);
  await sql(url, `UPDATE iso8583_saf SET late_approval = '{"0":"0210","11":"000103","39":"00","41":"TERM0001"}'::jsonb WHERE id IN ('rev-x', 'rev-y')`);
  // rev-x answered 25: the approval comes back on it; the node that got it (slow) is to store rev-x's repeat.
  const slow = await a.undidNothing('rev-x', '25');
  assert.equal(slow?.againId, 'rev-x.again');
  // rev-y answered 25: covered by rev-x's code.
  assert.equal(await a.undidNothing('rev-y', '25'), undefined, 'covered by rev-x');
  // rev-x attempted again (its code cleared), then given up: the obligation goes back to rev-y, still pending.
  await a.attempt('rev-x', 2);
  await a.done('rev-x', 'abandoned');
  const [back] = await sql<{ code: string | null; by: string | null }>(url, "SELECT undid_nothing AS code, covered_by AS by FROM iso8583_saf WHERE id = 'rev-y'");
  assert.deepEqual(back, { code: '25', by: 'rev-x' }, 'rev-y took the obligation back, naming rev-x');
  // rev-y's own attempt answered 25.
  const own = await a.undidNothing('rev-y', '25');
  assert.equal(own?.againId, 'rev-x.again', 'the same repeat as the slow node\'s');
  // Both nodes store what they were told: one repeat.
  assert.equal(await a.add({ id: slow.againId, reversal: { ...reversal, '0': '0401' }, at: Date.now() }), undefined, 'stored');
  assert.equal(await a.add({ id: own.againId, reversal: { ...reversal, '0': '0401' }, at: Date.now() }), 'exists');
});
