// A host chaining approvals and 25s on one root (sr66b #9): the original timed out, its reversal rev-c was answered 25,
// the host approved the original late (A1): the repeat rev-c.again was stored. That repeat answered 25 too, the host
// approved again (A2: a retransmitted request's answer, another field 38 and 37). The file store reverses A2 with a
// repeat of its own (reversal-overtaken.ts: the repeat's 25 is remembered, A2 calls for it again); with PostgreSQL,
// LATE_APPROVAL looked at the root only and returned rev-c.again again, stored already ('exists'): A2 stood unreversed,
// logged at info. Now a late approval that is not the copy of the one a row's repeat answers goes down the chain of
// repeats (overtaken-sql.ts `LATE_APPROVAL`): a copy is never reversed twice, and one approval the client did not get
// waits on each repeat of the chain (its 25 reverses it, or its code calls for the next repeat). The bound (mend67b):
// another approval while that repeat is pending (or answered, its own repeat not stored yet) is placed nowhere: it is
// logged at error (ISO8583_WARN_SAF_LATE_APPROVAL_NOT_PLACED), NOT reversed; and an approval left on a chain's pending
// repeat whose entry then ends otherwise than reversed is logged (ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED): the
// newest row it could be passed on to is the root, holding the approval before it. Neither dropped unseen (before:
// both silent). Real server, the journal's own statements.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { capturedLogger, sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { OvertakenReversals, repeatOf } from '../src/reversal-overtaken.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const overtaken = new OvertakenReversals(getDialect('iso87ascii'), ['4']);
const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '7': '1121103000', '11': '000303', '41': 'TERM0001' };
const approval = (auth: string, rrn: string): IsoMessage => ({
  '0': '0210', '4': '000000001000', '7': '1121103000', '11': '000303', '37': rrn, '38': auth, '39': '00', '41': 'TERM0001',
});
const a1 = approval('AUTH01', '000000000001');
const a2 = approval('AUTH02', '000000000002');
const a3 = approval('AUTH03', '000000000003');

/** A journal of its own database, the root rev-c answered 25 and ended, A1's repeat rev-c.again stored. */
async function chain(name: string, t: { after(fn: () => Promise<void>): void }) {
  const { logger, lines } = capturedLogger();
  const journal = new PgJournal({ url: cluster.createDatabase(name), lease: 60_000, owner: 'node-a', logger });
  await journal.open();
  t.after(() => journal.close());
  const look = (answer: IsoMessage): ReturnType<PgJournal['lateApproval']> => journal.lateApproval(overtaken.kept(answer), undefined, overtaken.bookingOf(answer));
  await journal.add({ id: 'rev-c', reversal, at: Date.now() });
  await journal.attempt('rev-c', 1);
  assert.equal(await journal.undidNothing('rev-c', '25'), undefined);
  await journal.done('rev-c', 'reversed');
  const first = await look(a1);
  assert.equal(first?.againId, 'rev-c.again', 'A1 calls for the root\'s repeat');
  assert.equal(await journal.add({ id: first.againId, reversal: repeatOf(reversal), at: Date.now() }), undefined, 'stored');
  await journal.attempt('rev-c.again', 1);
  /** The lines logged with `code`, their `id` (an entry) or else their `stan`. */
  const logged = (code: string): unknown[] => lines.filter((l) => l.code === code).map((l) => l.id ?? l.stan);
  return { journal, look, logged };
}

test('a second late approval after the repeat\'s 25 calls for a repeat of its own; a copy of either for none', async (t) => {
  const { journal, look } = await chain('overtaken_chain_after', t);
  assert.equal(await journal.undidNothing('rev-c.again', '25'), undefined, 'nothing left on the repeat yet');
  await journal.done('rev-c.again', 'reversed');
  assert.equal((await look(a1))?.againId, 'rev-c.again', 'a copy of A1 names the repeat stored already');
  const second = await look(a2);
  assert.equal(second?.againId, 'rev-c.again.again', 'A2 calls for the repeat\'s repeat');
  assert.equal(second.responseCode, '25');
  assert.equal(await journal.add({ id: second.againId, reversal: repeatOf(reversal), at: Date.now() }), undefined, 'stored');
  assert.equal((await look(a2))?.againId, 'rev-c.again.again', 'a copy of A2 names its repeat, stored already');
  assert.equal((await look(a1))?.againId, 'rev-c.again', 'a copy of A1 still names its own');
  assert.deepEqual((await journal.repeatsOwed()).map((o) => o.againId), [], 'nothing owed: each approval has its repeat');
});

test('a second late approval while the repeat is pending is left on it: the repeat\'s 25 calls for another', async (t) => {
  const { journal, look } = await chain('overtaken_chain_pending', t);
  assert.equal((await look(a1))?.againId, 'rev-c.again', 'a copy of A1 names its repeat (stored: nothing more), not left on it');
  assert.equal(await look(a2), undefined, 'A2 waits for the pending repeat\'s answer');
  const left = await journal.undidNothing('rev-c.again', '25');
  assert.equal(left?.againId, 'rev-c.again.again', 'the repeat\'s 25 reverses A2 again');
  assert.equal(left.approval['38'], 'AUTH02');
});

test('a third late approval while the repeat is pending with the second is placed nowhere: logged at error, not dropped unseen', async (t) => {
  const { journal, look, logged } = await chain('overtaken_chain_third', t);
  assert.equal(await look(a2), undefined, 'A2 waits on the pending repeat');
  assert.deepEqual(logged('ISO8583_WARN_SAF_LATE_APPROVAL_NOT_PLACED'), [], 'A2 is placed');
  assert.equal(await look(a3), undefined, 'nothing to store for A3');
  assert.deepEqual(logged('ISO8583_WARN_SAF_LATE_APPROVAL_NOT_PLACED'), ['000303'], 'A3 reported, by its STAN');
  const left = await journal.undidNothing('rev-c.again', '25');
  assert.equal(left?.approval['38'], 'AUTH02', 'the repeat\'s 25 still reverses A2, the approval it carries');
});

test('a second late approval left on a pending repeat that then expires is reported unreversed, by the repeat\'s id', async (t) => {
  const { journal, look, logged } = await chain('overtaken_chain_expired', t);
  assert.equal(await look(a2), undefined, 'A2 waits on the pending repeat');
  await journal.done('rev-c.again', 'expired');
  assert.deepEqual(logged('ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED'), ['rev-c.again'], 'the root keeps A1: A2 is reversed by none');
  assert.deepEqual(await journal.repeatsOwed(), [], 'no 0401 owed for it (A1\'s is stored)');
});

test('a host\'s copy of A1 after a newer 25 row of the same booking names A1\'s repeat, not a second 0401 (sr67a #1)', async (t) => {
  const { journal, look } = await chain('overtaken_chain_newer_row', t);
  await journal.add({ id: 'rev-d', reversal, at: Date.now() });
  await journal.attempt('rev-d', 1);
  assert.equal(await journal.undidNothing('rev-d', '25'), undefined, 'no approval on the newer row');
  await journal.done('rev-d', 'reversed');
  assert.equal((await look(a1))?.againId, 'rev-c.again', 'the copy names the repeat stored already (\'exists\')');
  assert.deepEqual(await journal.repeatsOwed(), [], 'nothing owed on the newer row');
});

test('a host\'s copy of A2 (carried by the chain\'s repeat) after a newer 25 row names A2\'s repeat, not a second 0401', async (t) => {
  const { journal, look } = await chain('overtaken_chain_newer_row_a2', t);
  assert.equal(await look(a2), undefined, 'A2 waits on the pending repeat');
  const left = await journal.undidNothing('rev-c.again', '25');
  assert.equal(left?.againId, 'rev-c.again.again');
  assert.equal(await journal.add({ id: left.againId, reversal: repeatOf(reversal), at: Date.now() }), undefined, 'stored');
  await journal.done('rev-c.again', 'reversed');
  await journal.add({ id: 'rev-d', reversal, at: Date.now() });
  await journal.attempt('rev-d', 1);
  assert.equal(await journal.undidNothing('rev-d', '25'), undefined);
  await journal.done('rev-d', 'reversed');
  assert.equal((await look(a2))?.againId, 'rev-c.again.again', 'the copy names A2\'s repeat, stored already');
  assert.deepEqual(await journal.repeatsOwed(), [], 'nothing owed on the newer row');
});

test('a copy of A1 never replaces another approval left on a newer pending row: that row\'s 25 still reverses it (sr67a #3)', async (t) => {
  const { journal, look } = await chain('overtaken_chain_copy_keeps', t);
  await journal.add({ id: 'rev-d', reversal, at: Date.now() });
  assert.equal(await look(a2), undefined, 'A2 left on rev-d, the newest pending row');
  assert.equal((await look(a1))?.againId, 'rev-c.again', 'the copy names A1\'s repeat');
  await journal.attempt('rev-d', 1);
  const left = await journal.undidNothing('rev-d', '25');
  assert.equal(left?.approval['38'], 'AUTH02', 'rev-d still carries A2');
  assert.equal(left.againId, 'rev-d.again');
});

/** A journal of its own database, the root rev-c attempted (pending), A1 left on it; `ended`: rev-c answered 25 and ended first, A1's repeat not stored. */
async function rootWithA1(name: string, t: { after(fn: () => Promise<void>): void }, ended: boolean) {
  const { logger, lines } = capturedLogger();
  const journal = new PgJournal({ url: cluster.createDatabase(name), lease: 60_000, owner: 'node-a', logger });
  await journal.open();
  t.after(() => journal.close());
  const look = (answer: IsoMessage): ReturnType<PgJournal['lateApproval']> => journal.lateApproval(overtaken.kept(answer), undefined, overtaken.bookingOf(answer));
  await journal.add({ id: 'rev-c', reversal, at: Date.now() });
  await journal.attempt('rev-c', 1);
  if (ended) {
    assert.equal(await journal.undidNothing('rev-c', '25'), undefined);
    await journal.done('rev-c', 'reversed');
    assert.equal((await look(a1))?.againId, 'rev-c.again', 'A1 calls for the root\'s repeat (not stored yet)');
  } else {
    assert.equal(await look(a1), undefined, 'A1 left on the pending root');
  }
  const notPlaced = (): unknown[] => lines.filter((l) => l.code === 'ISO8583_WARN_SAF_LATE_APPROVAL_NOT_PLACED').map((l) => l.stan);
  return { journal, look, notPlaced };
}

test('a second approval A2 while the root is pending with A1 is reported, never put in A1\'s place (sr67m #1)', async (t) => {
  const { journal, look, notPlaced } = await rootWithA1('overtaken_chain_root_pending', t, false);
  assert.equal(await look(a2), undefined, 'nothing to store for A2');
  assert.deepEqual(notPlaced(), ['000303'], 'A2 reported at error, by its STAN');
  const left = await journal.undidNothing('rev-c', '25');
  assert.equal(left?.approval['38'], 'AUTH01', 'the root\'s 25 reverses A1, the approval left first');
});

test('a second approval A2 while the root\'s repeat of A1 is owed (not stored) is reported, not given A1\'s repeat (sr67m #1)', async (t) => {
  const { journal, look, notPlaced } = await rootWithA1('overtaken_chain_root_owed', t, true);
  assert.equal(await look(a2), undefined, 'A2 is not handed rev-c.again, the one repeat of A1');
  assert.deepEqual(notPlaced(), ['000303'], 'A2 reported at error, by its STAN');
  const owed = await journal.repeatsOwed();
  assert.deepEqual(owed.map((o) => [o.againId, o.approval['38']]), [['rev-c.again', 'AUTH01']], 'A1\'s repeat still owed, for A1');
});
