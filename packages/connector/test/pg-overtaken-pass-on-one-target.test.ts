// Two rows of one batch whose pass-ons pick the same target (overtaken-sql.ts passingOn, sr68a #1): a root whose code a
// re-attempt cleared gives the obligation back to the pending row that deferred its `25` to it (`back`), and another
// row of the booking ending in the same statement picks that row as its transaction's newest (`newest`). `p` updates
// each target once, with one joined row: were it the `newest` one, the row kept the approval it carries without its
// code back (nothing owed it) and neither ended row was reported: the approval reversed by no row, unlogged. Now `p`
// joins one row per target, the one giving the obligation back first. Real server, the DONE statement as the journal
// runs it, the two ended rows added in both orders (which joined row came first followed the rows' order).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import { sql } from './helpers/pg-owner-lock.js';
import { ANSWERED, DONE } from '../src/pg/saf-sql.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '11': '000106', '41': 'TERM0001' };
const approval: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000106', '38': 'AUTH01', '39': '00', '41': 'TERM0001' };

for (const order of [['rev-m2', 'rev-r'], ['rev-r', 'rev-m2']]) {
  test(`${order.join(' then ')} added, ended in one batch: the row both pass on to takes its code back, once, and nothing is left unreported`, async (t) => {
    const url = cluster.createDatabase(`overtaken_one_target_${order[0]?.slice(4)}`);
    const a = new PgJournal({ url, lease: 60_000, owner: 'node-a' });
    await a.open();
    t.after(() => a.close());
    for (const id of [...order, 'rev-n']) await a.add({ id, reversal, at: Date.now() });
    // rev-r: the root, its code cleared by a re-attempt, the approval on it; rev-n deferred its 25 to it (covered), reopened.
    const kept = JSON.stringify(approval);
    await sql(url, "UPDATE iso8583_saf SET late_approval = $1::jsonb, late_approval_at = now() WHERE id IN ('rev-r', 'rev-m2', 'rev-n')", [kept]);
    await sql(url, "UPDATE iso8583_saf SET covered_by = 'rev-r', covered_code = '25' WHERE id = 'rev-n'");
    const [{ upstream } = { upstream: '' }] = await sql<{ upstream: string }>(url, "SELECT upstream FROM iso8583_saf WHERE id = 'rev-r'");
    const client = new pg.Client(url);
    await client.connect();
    t.after(() => client.end());
    const { rows } = await client.query<{ id: string; unreversed: boolean }>(DONE, ['node-a', order, order.map(() => 'expired'), [...ANSWERED],
      order.map(() => false), [upstream], null, null, null]);
    assert.deepEqual(rows.map((r) => [r.id, r.unreversed]).sort(), [['rev-m2', false], ['rev-r', false]], 'both ended, neither reported');
    const [n] = await sql<{ code: string | null; auth: string | null }>(url, "SELECT undid_nothing AS code, late_approval->>'38' AS auth FROM iso8583_saf WHERE id = 'rev-n'");
    assert.deepEqual(n, { code: '25', auth: 'AUTH01' }, 'rev-n took the obligation back: its 25 calls for the repeat');
  });
}
