// The PostgreSQL store's bank marker (iso8583_saf_upstream) and the entries a node already holds when its key's row
// comes to name another bank: an entry belongs to the bank it was added (or claimed) for. Those this node holds keep
// being sent to its own bank, and none under a key now recorded for another bank is handed back (at close, or when let
// go): they stay under this node's lease, logged (count only), so that the other bank's nodes do not send them to
// their bank. And a former key (formerUpstreams) taken over by another bank is not read for the repeats late approvals
// call for. Real server, real statements.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { capturedLogger, sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';
import { sql as run, renewNow as renew } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

function entry(id: string): JournalEntry {
  return { id, reversal: { '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': id.slice(-6).padStart(6, '0'), '41': 'TERM0001' }, at: Date.now() };
}

test('a node whose key\'s row comes to name another bank still sends the entries it holds (its bank\'s), and hands none back at close: the other bank\'s node takes none of them', async () => {
  const url = cluster.createDatabase('marker_held');
  const { logger, lines } = capturedLogger('info');
  // Owner lock off: an entry not handed back stays under this node's lease (with it on, a node gone is seen at once).
  const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000, ownerLock: false, logger });
  await a.open();
  let closed = false;
  try {
    await a.add(entry('e000001')); // bank 1001's reversals
    await a.add(entry('e000002'));
    await run(url, "UPDATE iso8583_saf_upstream SET address = '127.0.0.1:2002' WHERE upstream = 'bank'");
    await renew(a);
    assert.deepEqual(a.keysAtOtherBank, [{ key: 'bank', recorded: '127.0.0.1:2002' }]);
    // Held since before the row changed: its bank's, sent there.
    assert.equal(typeof (await a.attempt('e000001', 1)), 'number');
    const [row] = await run<{ attempts: number }>(url, "SELECT attempts FROM iso8583_saf WHERE id = 'e000001'");
    assert.equal(row?.attempts, 1, 'the attempt is recorded');
    await a.close();
    closed = true;
    const kept = lines.filter((l) => l.code === 'ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK' && l.entries !== undefined);
    assert.equal(kept.length, 1, 'the entries kept at close are logged');
    assert.equal(kept[0]?.entries, 2);
    assert.equal(kept[0]?.level, 50, 'at error');
    assert.doesNotMatch(JSON.stringify(lines), /4111111111111111/);
    // The node at bank 2002 takes none of bank 1001's reversals.
    const b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000 });
    try {
      assert.deepEqual((await b.open()).map((e) => e.id), []);
    } finally {
      await b.close();
    }
    const owners = await run<{ id: string; lease_owner: string }>(url, 'SELECT id, lease_owner FROM iso8583_saf ORDER BY id');
    assert.deepEqual(owners.map((r) => r.lease_owner === a.owner), [true, true], 'still under A\'s lease');
  } finally {
    if (!closed) await a.close();
  }
});

test('an entry done not-needed unseen, which its caller reverses, is reopened at close even under a key now recorded for another bank: never left done for ever', async () => {
  // sr60f: the close kept every entry under an other-bank key out of RELEASE, the one statement that reopens such an
  // entry: it stayed `not-needed` for ever, its reversal never sent by any node.
  const url = cluster.createDatabase('marker_held_reopen');
  const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000, ownerLock: false });
  await a.open();
  let closed = false;
  try {
    await a.add(entry('e000003'));
    const lease = (a as unknown as { held: Map<string, string> }).held.get('e000003');
    assert.ok(lease !== undefined, 'held with its lease');
    await a.done('e000003', 'not-needed');
    // As a `done` whose commit was not seen, then reversed by its caller (`reopen`): handed back with its lease at close.
    (a as unknown as { doneUnseen: Map<string, { lease: string; at: number; reverse?: boolean }> }).doneUnseen.set('e000003', { lease, at: performance.now(), reverse: true });
    await run(url, "UPDATE iso8583_saf_upstream SET address = '127.0.0.1:2002' WHERE upstream = 'bank'");
    await renew(a);
    await a.close();
    closed = true;
    const [row] = await run<{ done_at: Date | null; outcome: string | null }>(url, "SELECT done_at, outcome FROM iso8583_saf WHERE id = 'e000003'");
    assert.equal(row?.done_at, null, 'reopened: its reversal is owed again');
    assert.equal(row?.outcome, null);
  } finally {
    if (!closed) await a.close();
  }
});

test('a former key (formerUpstreams) recorded for another bank is not read for the repeats late approvals call for, nor for late approvals', async () => {
  const url = cluster.createDatabase('marker_held_owed');
  const reversal: IsoMessage = { '0': '0400', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': '000009', '41': 'TERM0001' };
  const approval: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000009', '39': '00', '41': 'TERM0001' };
  // A node at bank 1001 on key "bank": its reversal answered 25, the late approval found, its repeat never stored.
  const old = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000 });
  await old.open();
  await old.add({ id: 'x000009', reversal, at: Date.now() });
  await old.attempt('x000009', 1);
  assert.equal(await old.undidNothing('x000009', '25'), undefined);
  await old.done('x000009', 'reversed');
  assert.equal((await old.lateApproval(approval))?.againId, 'x000009.again');
  await old.close();
  // A node at bank 1001 whose former key is "bank"; the key's row then set to bank 2002 (by hand, say).
  const a = new PgJournal({ url, upstream: 'bank-new', formerUpstreams: ['bank'], address: '127.0.0.1:1001', lease: 60_000 });
  await a.open();
  try {
    assert.equal((await a.repeatsOwed()).length, 1, 'its own bank\'s key: owed here');
    await run(url, "UPDATE iso8583_saf_upstream SET address = '127.0.0.1:2002' WHERE upstream = 'bank'");
    await renew(a);
    assert.deepEqual(a.keysAtOtherBank, [{ key: 'bank', recorded: '127.0.0.1:2002' }]);
    assert.deepEqual(await a.repeatsOwed(), [], 'not read under a key of bank 2002');
    assert.equal(await a.lateApproval({ ...approval, '11': '000010' }), undefined);
  } finally {
    await a.close();
  }
});
