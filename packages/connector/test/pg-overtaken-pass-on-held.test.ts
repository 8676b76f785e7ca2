// A row that ends otherwise than reversed passes the late approval it carries on to its transaction's newest pending
// row (overtaken-sql.ts passingOn), unless that row holds another approval, which it keeps: then the end is reported
// (ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED). Whether the target held one was read from the statement's snapshot: an
// approval another node's LATE_APPROVAL left on the target after that snapshot (committed while the done waited for the
// row's lock) made the pass-on change nothing, and the snapshot's empty row took it for done: the approval was left
// unreversed and unreported (sr67m #3). Now the pass-on's own update returns what the locked row holds. Real server,
// two sessions: one leaves the other approval on the target and commits once the done waits for it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { capturedLogger, sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import pg from 'pg';
import { PgJournal } from '../src/index.js';
import { lockWaited } from './helpers/pg-lock-order.js';
import { sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '11': '000105', '41': 'TERM0001' };
const approval = (auth: string): IsoMessage => ({ '0': '0210', '4': '000000001000', '11': '000105', '38': auth, '39': '00', '41': 'TERM0001' });

test('another approval left on the pass-on\'s target while the done waits for it: the ended row\'s approval is reported, not dropped unseen', async (t) => {
  const url = cluster.createDatabase('overtaken_pass_on_held');
  const { logger, lines } = capturedLogger();
  const a = new PgJournal({ url, lease: 60_000, owner: 'node-a', logger });
  await a.open();
  t.after(() => a.close());
  await a.add({ id: 'rev-x', reversal, at: Date.now() });
  assert.equal(await a.lateApproval(approval('AUTH01')), undefined, 'A1 left on rev-x, pending');
  await a.add({ id: 'rev-y', reversal, at: Date.now() }); // newer, pending: the row rev-x's end passes A1 on to
  // Another node's look-up of A2 leaves it on rev-y (the newest pending row), committed once the done waits for rev-y.
  const other = new pg.Client(url);
  await other.connect();
  t.after(() => other.end());
  await other.query('BEGIN');
  await other.query("UPDATE iso8583_saf SET late_approval = $1::jsonb, late_approval_at = now() WHERE id = 'rev-y'", [JSON.stringify(approval('AUTH02'))]);
  const done = a.done('rev-x', 'expired');
  await waitUntil(() => lockWaited(url), { what: 'the done to wait for rev-y', timeoutMs: 20_000 });
  await other.query('COMMIT');
  await done;
  const rows = await sql<{ id: string; auth: string | null }>(url, "SELECT id, late_approval->>'38' AS auth FROM iso8583_saf ORDER BY id");
  assert.deepEqual(rows, [{ id: 'rev-x', auth: 'AUTH01' }, { id: 'rev-y', auth: 'AUTH02' }], 'rev-y keeps A2: A1 is passed on to none');
  const unreversed = lines.filter((l) => l.code === 'ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED').map((l) => l.id);
  assert.deepEqual(unreversed, ['rev-x'], 'A1 reported unreversed, by the entry that carried it');
});

// The same wait, the target ended meanwhile (sr68a #2): another node ended rev-y otherwise than reversed (nothing on
// it to pass on) while the done waited for it; the pass-on, picked from the statement's snapshot (rev-y pending),
// writes A1 on a row that ended: no node's 25 reads it there, nor REPEATS_OWED (not reversed). Reported now, by the
// entry that carried it, not left on a dead row unseen.
test('the pass-on\'s target ended by another node while the done waits for it: the ended row\'s approval is reported', async (t) => {
  const url = cluster.createDatabase('overtaken_pass_on_ended');
  const { logger, lines } = capturedLogger();
  const a = new PgJournal({ url, lease: 60_000, owner: 'node-a', logger });
  await a.open();
  t.after(() => a.close());
  await a.add({ id: 'rev-x', reversal, at: Date.now() });
  assert.equal(await a.lateApproval(approval('AUTH01')), undefined, 'A1 left on rev-x, pending');
  await a.add({ id: 'rev-y', reversal, at: Date.now() });
  const other = new pg.Client(url);
  await other.connect();
  t.after(() => other.end());
  await other.query('BEGIN');
  await other.query("UPDATE iso8583_saf SET done_at = now(), outcome = 'expired' WHERE id = 'rev-y'");
  const done = a.done('rev-x', 'expired');
  await waitUntil(() => lockWaited(url), { what: 'the done to wait for rev-y', timeoutMs: 20_000 });
  await other.query('COMMIT');
  await done;
  const unreversed = lines.filter((l) => l.code === 'ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED').map((l) => l.id);
  assert.deepEqual(unreversed, ['rev-x'], 'A1 reported unreversed: rev-y ended before it came');
});
