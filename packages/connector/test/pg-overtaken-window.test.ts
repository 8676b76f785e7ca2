// How long, and which, rows of a shared store (PostgreSQL) a late approval finds the code of a reversal that undid
// nothing in (overtaken-sql.ts): kept at least OVERTAKEN_FOR_MS whatever `purgeAfter` (with 0 the row was purged at
// once, and even a late approval on the same node stood); looked up no further back than that (an older row of the
// terminal's STAN is another transaction's: its code repeated the wrong reversal); and a fresh attempt of the entry
// clears the code an earlier attempt's answer left (its node stopped before the entry's end). A node that found a code
// or an approval stops before the repeat it calls for is stored: the row still calls for it, and the repeat has one id
// on every node and try, so it is stored once. Real server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import { LATE_APPROVAL } from '../src/pg/overtaken-sql.js';
import { sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const reversal = (stan: string): IsoMessage => ({ '0': '0400', '3': '000000', '4': '000000001000', '11': stan, '41': 'TERM0001' });
const approval = (stan: string): IsoMessage => ({ '0': '0210', '4': '000000001000', '11': stan, '39': '00', '41': 'TERM0001' });

/** A journal on a new database `name`, closed after the test. */
async function journalOn(t: { after(fn: () => Promise<void>): void }, name: string, purgeAfter: number) {
  const url = cluster.createDatabase(name);
  const journal = new PgJournal({ url, lease: 900, owner: 'node-a', purgeAfter });
  await journal.open();
  t.after(() => journal.close());
  return { url, journal };
}

/** Entry `id` (STAN `stan`) attempted once and answered 25 (its code written), then done unless `open`. */
async function answered25(journal: PgJournal, id: string, stan: string, open = false): Promise<void> {
  await journal.add({ id, reversal: reversal(stan), at: Date.now() });
  await journal.attempt(id, 1);
  assert.equal(await journal.undidNothing(id, '25'), undefined);
  if (!open) await journal.done(id, 'reversed');
}

test('pg: with purgeAfter 0 the row holding a code that undid nothing outlives the purge; a late approval takes it', async (t) => {
  const { url, journal } = await journalOn(t, 'overtaken_purge', 0);
  await answered25(journal, 'coded', '000101');
  await journal.add({ id: 'plain', reversal: reversal('000102'), at: Date.now() });
  await journal.attempt('plain', 1);
  await journal.done('plain', 'reversed');
  // The renewal purges the rows done more than purgeAfter ago: the plain one goes, the coded one stays.
  await waitUntil(async () => (await sql<{ id: string }>(url, `SELECT id FROM iso8583_saf WHERE id = 'plain'`)).length === 0 || undefined, {
    what: 'the purge of the row done without a code',
  });
  assert.deepEqual((await sql<{ id: string }>(url, 'SELECT id FROM iso8583_saf')).map((r) => r.id), ['coded']);
  const found = await journal.lateApproval(approval('000101'));
  assert.equal(found?.responseCode, '25');
  assert.equal(found?.reversal['11'], '000101');
});

test('pg: a code older than OVERTAKEN_FOR_MS (another transaction of the STAN) is not taken, whatever purgeAfter', async (t) => {
  const { url, journal } = await journalOn(t, 'overtaken_window', 3_600_000);
  await answered25(journal, 'old', '000201');
  await sql(url, `UPDATE iso8583_saf SET done_at = now() - interval '11 minutes', created_at = created_at - interval '11 minutes' WHERE id = 'old'`);
  assert.equal(await journal.lateApproval(approval('000201')), undefined);
  const [row] = await sql<{ code: string | null }>(url, `SELECT undid_nothing AS code FROM iso8583_saf WHERE id = 'old'`);
  assert.equal(row?.code, '25', 'the old row left as it was');
});

test('pg: a new attempt clears the code an earlier attempt\'s answer left; the late approval is left for the new answer', async (t) => {
  const { url, journal } = await journalOn(t, 'overtaken_attempt', 600_000);
  await answered25(journal, 'stale', '000301', true); // its node stopped before the entry's end
  await journal.attempt('stale', 2);
  assert.equal(await journal.lateApproval(approval('000301')), undefined, 'no stale code taken');
  const [row] = await sql<{ code: string | null; approval: unknown }>(url, `SELECT undid_nothing AS code, late_approval AS approval FROM iso8583_saf WHERE id = 'stale'`);
  assert.equal(row?.code, null);
  assert.notEqual(row?.approval, null, 'the approval waits for the new attempt\'s answer');
  assert.equal((await journal.undidNothing('stale', '25'))?.approval['11'], '000301', 'the new 25 takes it');
});

/** The repeat (0401) of `stan`'s reversal, stored as entry `id`: resolves what the journal's add says. */
const storeRepeat = (journal: PgJournal, id: string, stan: string) => journal.add({ id, reversal: { ...reversal(stan), '0': '0401' }, at: Date.now() });

test('pg: a node that takes the code for a late approval and stops before storing the repeat leaves it for the next copy; the repeat is stored once', async (t) => {
  const { url, journal } = await journalOn(t, 'overtaken_take_crash', 600_000);
  await answered25(journal, 'took', '000401');
  const first = await journal.lateApproval(approval('000401'));
  assert.equal(first?.responseCode, '25');
  // The node stops here (its repeat never stored): the approval's next copy (another node, a restart) finds the code.
  const second = await journal.lateApproval(approval('000401'));
  assert.equal(second?.responseCode, '25', 'the code is still there');
  assert.equal(second?.againId, first?.againId, 'one id for the repeat, whichever node stores it');
  assert.equal(await storeRepeat(journal, second!.againId, '000401'), undefined);
  // The first node, had it lived (slow, not stopped), stores nothing more.
  assert.equal(await storeRepeat(journal, first!.againId, '000401'), 'exists');
  const rows = await sql<{ mti: string }>(url, `SELECT entry->'reversal'->>'0' AS mti FROM iso8583_saf ORDER BY created_at`);
  assert.deepEqual(rows.map((r) => r.mti), ['0400', '0401']);
});

test('pg: a node whose 25 takes another node\'s late approval and stops before storing the repeat leaves it for the next attempt\'s 25', async (t) => {
  const { journal } = await journalOn(t, 'overtaken_answer_crash', 600_000);
  await journal.add({ id: 'left', reversal: reversal('000501'), at: Date.now() });
  await journal.attempt('left', 1);
  assert.equal(await journal.lateApproval(approval('000501')), undefined, 'the approval is left on the pending entry');
  const first = await journal.undidNothing('left', '25');
  assert.equal(first?.approval['11'], '000501');
  // The node stops here: the entry is not done, its repeat not stored; the next attempt (the node that claims it) is
  // answered 25 again and finds the approval still there.
  await journal.attempt('left', 2);
  const second = await journal.undidNothing('left', '25');
  assert.equal(second?.approval['11'], '000501', 'the approval is still there');
  assert.equal(second?.againId, first?.againId);
  assert.equal(await storeRepeat(journal, second!.againId, '000501'), undefined);
});

test('pg: the look-up of a late approval reads its transaction\'s rows by index, never every row of the upstream', async (t) => {
  const { url, journal } = await journalOn(t, 'overtaken_index', 600_000);
  await answered25(journal, 'indexed', '000601');
  // A scan of the table is made dear: the plan takes an index when one serves the statement's conditions.
  const noScan = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c enable_seqscan=off')}`;
  const plan = await sql<{ 'QUERY PLAN': string }>(noScan, `EXPLAIN ${LATE_APPROVAL}`, [[''], 'TERM0001', '000601', '{}', 600_000, null, 0, null, null, '127.0.0.1:1001', false]);
  const text = plan.map((r) => r['QUERY PLAN']).join('\n');
  assert.doesNotMatch(text, /Seq Scan on iso8583_saf/, text);
  assert.match(text, /iso8583_saf_(overtaken|original)/, text);
  // Found by the transaction's fields 41 and 11 in the index, not by reading every row of the upstream's there.
  const conditions = text.split('\n').filter((l) => /Index Cond/.test(l)).join('\n');
  assert.match(conditions, /'41'.*'11'|'11'.*'41'/s, text);
});

test('pg: a 25 is written to its own entry\'s row, not to a newer pending reversal of the same terminal and STAN', async (t) => {
  const { url, journal } = await journalOn(t, 'overtaken_by_id', 600_000);
  await journal.add({ id: 'first', reversal: reversal('000701'), at: Date.now() });
  await journal.attempt('first', 1);
  // Pending beside it, newer: the repeat a late approval called for (or the STAN used again the same day).
  await storeRepeat(journal, 'first.again', '000701');
  await journal.attempt('first.again', 1);
  assert.equal(await journal.undidNothing('first', '25'), undefined);
  const rows = await sql<{ id: string; code: string | null }>(url, 'SELECT id, undid_nothing AS code FROM iso8583_saf ORDER BY created_at');
  assert.deepEqual(rows, [{ id: 'first', code: '25' }, { id: 'first.again', code: null }]);
});

test('pg: with purgeAfter 0 the repeat a late approval called for outlives the purge: a second copy of the approval stores none', async (t) => {
  const { url, journal } = await journalOn(t, 'overtaken_again_kept', 0);
  await answered25(journal, 'once', '000801');
  const first = await journal.lateApproval(approval('000801'));
  assert.equal(first?.againId, 'once.again');
  assert.equal(await storeRepeat(journal, 'once.again', '000801'), undefined);
  await journal.attempt('once.again', 1);
  await journal.done('once.again', 'reversed'); // the bank reversed the approval
  await journal.add({ id: 'plain', reversal: reversal('000802'), at: Date.now() });
  await journal.attempt('plain', 1);
  await journal.done('plain', 'reversed');
  // The renewal purges the rows done more than purgeAfter ago: the plain one (done last) goes, the repeat stays.
  await waitUntil(async () => (await sql<{ id: string }>(url, `SELECT id FROM iso8583_saf WHERE id = 'plain'`)).length === 0 || undefined, {
    what: 'the purge of the row done without a code',
  });
  assert.deepEqual((await sql<{ id: string }>(url, 'SELECT id FROM iso8583_saf ORDER BY created_at')).map((r) => r.id), ['once', 'once.again']);
  // The bank sends the approval again: its look-up finds the code, and the repeat's store finds it stored.
  const second = await journal.lateApproval(approval('000801'));
  assert.equal(second?.againId, 'once.again');
  assert.equal(await storeRepeat(journal, 'once.again', '000801'), 'exists', 'no second repeat stored (two 0401s sent)');
});
