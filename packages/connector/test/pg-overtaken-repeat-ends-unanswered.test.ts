// A late approval of a transaction whose reversal undid nothing (25) on node A reaches A while node B's repeat (0201)
// of the transaction is still pending: the look-up leaves it on B's pending row (the newest of the transaction). That
// repeat then ends otherwise than reversed (declined or never left: not-needed; its reversal given up after a crash
// and another node's claim: expired): the approval must still be reversed, a repeat (0401) owed to any node
// (overtaken-sql.ts PASS_ON_APPROVAL, in saf-sql.ts DONE). Its approval in time retires the 25 as before.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import { sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const reversal = (mti: string): IsoMessage => ({ '0': mti, '3': '000000', '4': '000000001000', '11': '000101', '41': 'TERM0001' });
const approval: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000101', '39': '00', '41': 'TERM0001' };

/**
 * Node A's 0200 reversed with 25 (ended), then node B's repeat 0201 armed (its answer due `answerWithin` ms on: no node
 * claims it before its fence, lease + answerWithin, ends); the late approval of the 0200 reaches A.
 */
async function repeatPendingOnB(t: TestContext, database: string, lease = 3000, answerWithin = 5000) {
  const url = cluster.createDatabase(database);
  const a = new PgJournal({ url, lease: 3000, owner: 'node-a' });
  const b = new PgJournal({ url, lease, owner: 'node-b' });
  await a.open();
  await b.open();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await a.add({ id: 'rev-0200', reversal: reversal('0400'), at: Date.now() });
  await a.attempt('rev-0200', 1);
  assert.equal(await a.undidNothing('rev-0200', '25'), undefined);
  await a.done('rev-0200', 'reversed');
  await b.addOriginal({ id: 'rev-0201', reversal: reversal('0400'), at: Date.now() }, answerWithin);
  assert.equal(await a.lateApproval(approval), undefined, 'left on the repeat\'s pending row: no code returned');
  const [parked] = await sql<{ id: string }>(url, 'SELECT id FROM iso8583_saf WHERE late_approval IS NOT NULL');
  assert.equal(parked?.id, 'rev-0201');
  return { url, a, b };
}

test('a late approval left on another node\'s pending repeat, that repeat then declined (not-needed): the repeat of the 25 is owed', async (t) => {
  const { a, b } = await repeatPendingOnB(t, 'passed_on_declined');
  await b.done('rev-0201', 'not-needed');
  for (const node of [a, b]) {
    const owed = await node.repeatsOwed();
    assert.equal(owed.length, 1, 'one repeat owed, read by any node');
    assert.equal(owed[0]?.againId, 'rev-0200.again');
    assert.equal(owed[0]?.responseCode, '25');
    assert.deepEqual(owed[0]?.approval, approval);
  }
  assert.equal(await a.add({ id: 'rev-0200.again', reversal: reversal('0401'), at: Date.now() }), undefined);
  assert.deepEqual(await b.repeatsOwed(), [], 'once stored, owed no more');
});

test('a late approval left on a pending repeat, whose reversal another node claims after a crash and gives up (expired): the repeat of the 25 is owed', async (t) => {
  // The repeat's fence (0.3 s lease + 2 s answer time; was 5 s) outlasts the few statements up to the late approval,
  // and node-c's claim waits it out.
  const { url, a, b } = await repeatPendingOnB(t, 'passed_on_expired', 300, 2000);
  await b.destroy(); // stops holding it: its lease runs out
  const c = new PgJournal({ url, lease: 3000, owner: 'node-c' });
  await c.open();
  t.after(() => c.close());
  await waitUntil(async () => ((await c.claim()).some((e) => e.id === 'rev-0201') ? true : undefined), { what: 'node-c to claim the repeat\'s entry', timeoutMs: 20_000 });
  await c.done('rev-0201', 'expired');
  const owed = await a.repeatsOwed();
  assert.deepEqual(owed.map((o) => [o.againId, o.responseCode]), [['rev-0200.again', '25']]);
});

test('a late approval left on a pending repeat approved in time: nothing is owed (the 25 retired, as before)', async (t) => {
  const { a, b } = await repeatPendingOnB(t, 'passed_on_retired');
  b.retireOvertaken({ id: 'rev-0201', reversal: reversal('0400'), at: Date.now() });
  await b.done('rev-0201', 'not-needed');
  assert.deepEqual(await a.repeatsOwed(), []);
  assert.equal(await a.lateApproval(approval), undefined, 'a copy of the approval finds nothing to reverse');
});
