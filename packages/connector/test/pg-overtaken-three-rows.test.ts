// Three rows of one booking carry one late approval (sr62b, mend62b): rev-x's 25 returned rev-x.again to a slow node,
// rev-y and rev-z were covered by it. rev-x re-attempted and given up: rev-y takes the obligation back; rev-z, ended
// reversed, now names the row covering it. The slow node then stores rev-x.again. rev-y re-attempted and given up:
// rev-z takes the obligation back, and its repeat must still be rev-x's (overtaken-sql.ts `passingOn`: `covered_by`
// always names the root, the row whose repeat is owed), which is stored: nothing more is owed. Naming rev-y in between
// owed rev-y.again, a second 0401 of one late approval. Real server, the journal's own statements.
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

const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '11': '000104', '41': 'TERM0001' };

test('three rows, one late approval: the obligation passed on twice keeps the first repeat, stored once', async (t) => {
  const url = cluster.createDatabase('overtaken_three_rows');
  const a = new PgJournal({ url, lease: 60_000, owner: 'node-a' });
  await a.open();
  t.after(() => a.close());
  for (const id of ['rev-x', 'rev-y', 'rev-z']) {
    await a.add({ id, reversal, at: Date.now() });
    await a.attempt(id, 1);
  }
  await sql(url, `UPDATE iso8583_saf SET late_approval = '{"0":"0210","11":"000104","39":"00","41":"TERM0001"}'::jsonb WHERE id IN ('rev-x', 'rev-y', 'rev-z')`);
  const slow = await a.undidNothing('rev-x', '25');
  assert.equal(slow?.againId, 'rev-x.again');
  assert.equal(await a.undidNothing('rev-y', '25'), undefined, 'covered by rev-x');
  assert.equal(await a.undidNothing('rev-z', '25'), undefined, 'covered by rev-x');
  await a.done('rev-z', 'reversed');
  await a.attempt('rev-x', 2);
  await a.done('rev-x', 'abandoned');
  assert.equal(await a.add({ id: slow.againId, reversal: { ...reversal, '0': '0401' }, at: Date.now() }), undefined, 'rev-x.again stored');
  await a.attempt('rev-y', 2);
  await a.done('rev-y', 'abandoned');
  const rows = await sql<{ id: string; by: string | null }>(url, "SELECT id, covered_by AS by FROM iso8583_saf WHERE id IN ('rev-y', 'rev-z') ORDER BY id");
  assert.deepEqual(rows, [{ id: 'rev-y', by: 'rev-x' }, { id: 'rev-z', by: 'rev-x' }], 'every row names the root');
  assert.deepEqual((await a.repeatsOwed()).map((o) => o.againId), [], 'rev-x.again is stored: nothing more owed');
});
