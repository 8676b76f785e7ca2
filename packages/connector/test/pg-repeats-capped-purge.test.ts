// The cap's record (repeats_capped_at, SAF schema step 16) is on the root: the row whose repeat (`<root>.again`) the
// cap refused. A row that deferred to the root's code names it (`covered_by`) and takes the obligation back when the
// root ends otherwise (overtaken-sql.ts `passingOn`): its repeat is still the root's, refused. The purge deleted the
// root (its code cleared by a re-attempt, it counted as an ordinary row) while that row still named it (sr66b #2): the
// cap forgotten, the repeat was owed again (REPEATS_OWED), and a node stored and sent it past the cap. Now the purge
// keeps a marked root while any row names it. Real server, the journal's own statements.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { IsoMessage } from '@iso8583/codec';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { PURGE } from '../src/pg/saf-sql.js';
import { OWED_FOR_MS } from '../src/reversal-overtaken.js';
import { sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '11': '000105', '41': 'TERM0001' };
const approval: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000105', '39': '00', '41': 'TERM0001' };

test('a root whose repeat the cap refused outlives the purge while a row names it: the repeat stays owed nowhere', async (t) => {
  const url = cluster.createDatabase('repeats_capped_purge');
  const a = new PgJournal({ url, lease: 60_000, owner: 'node-a' });
  await a.open();
  t.after(() => a.close());
  // rev-r's 25 returns the late approval (its repeat rev-r.again refused by the cap); rev-d's 25 defers to rev-r's code.
  await a.add({ id: 'rev-r', reversal, at: Date.now() });
  await a.add({ id: 'rev-d', reversal, at: Date.now() });
  assert.equal(await a.lateApproval(approval), undefined, 'left on the newest pending row, rev-d');
  await a.done('rev-d', 'not-needed'); // passed on to rev-r
  await a.attempt('rev-r', 1);
  assert.equal((await a.undidNothing('rev-r', '25'))?.againId, 'rev-r.again');
  await a.capRepeat('rev-r.again');
  await a.attempt('rev-d', 2);
  assert.equal(await a.undidNothing('rev-d', '25'), undefined, 'covered by rev-r\'s code');
  await a.done('rev-d', 'reversed');
  // rev-r attempted again (its code cleared) and given up: rev-d takes the obligation back, still rev-r's repeat.
  await a.attempt('rev-r', 2);
  await a.done('rev-r', 'expired');
  const [back] = await sql<{ by: string; code: string | null }>(url, "SELECT covered_by AS by, undid_nothing AS code FROM iso8583_saf WHERE id = 'rev-d'");
  assert.deepEqual({ ...back }, { by: 'rev-r', code: '25' }, 'rev-d took the obligation back, naming rev-r');
  assert.deepEqual(await a.repeatsOwed(), [], 'the refused repeat is owed nowhere');
  await sql(url, PURGE, [0, OWED_FOR_MS]);
  assert.deepEqual((await sql<{ id: string }>(url, "SELECT id FROM iso8583_saf WHERE id = 'rev-r'")).map((r) => r.id), ['rev-r'], 'the marked root is kept');
  assert.deepEqual(await a.repeatsOwed(), [], 'still owed nowhere after the purge');
  assert.equal(await a.lateApproval(approval), undefined, 'a copy of the approval calls for no repeat either');
  // Once no row names it, the root goes with the purge as before.
  await sql(url, "DELETE FROM iso8583_saf WHERE id = 'rev-d'");
  await sql(url, PURGE, [0, OWED_FOR_MS]);
  assert.deepEqual(await sql(url, "SELECT id FROM iso8583_saf WHERE id = 'rev-r'"), [], 'purged once nothing names it');
});
