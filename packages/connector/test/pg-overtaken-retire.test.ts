// The PostgreSQL store's retirement of a reversal that undid nothing (`25`, its code on its row) by the approval in
// time of a later request of its transaction (`retireOvertaken`, then that request's `done`: pg/saf-sql.ts `DONE`): only
// the rows of the same booking (field 41, field 11, amount leading zeros aside, card) lose their code; an older
// transaction reusing the STAN with another amount, or another card, keeps it. And a `done` refused before its
// statement (the store not open) lets its retirement go: a later `done` of that entry (reversed) retires nothing.
// Real server.
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

/** The reversal of a transaction (STAN `stan` at TERM0001, amount `amount`, card `pan`) whose original was `mti`. */
function reversal(stan: string, amount: string, mti = '0200', pan = '4111111111111111'): IsoMessage {
  return { '0': '0400', '2': pan, '3': '000000', '4': amount, '11': stan, '41': 'TERM0001', '90': `${mti}${stan}` };
}

/** A journal on a new database `name`, closed after the test. */
async function journalOn(t: { after(fn: () => Promise<void>): void }, name: string): Promise<{ url: string; journal: PgJournal }> {
  const url = cluster.createDatabase(name);
  const journal = new PgJournal({ url, lease: 10_000, owner: 'node-a' });
  await journal.open();
  t.after(() => journal.close());
  return { url, journal };
}

/** Entry `id` of `reversal` attempted once, answered 25 (its code on its row), and done. */
async function answered25(journal: PgJournal, id: string, message: IsoMessage): Promise<void> {
  await journal.add({ id, reversal: message, at: Date.now() });
  await journal.attempt(id, 1);
  assert.equal(await journal.undidNothing(id, '25'), undefined);
  await journal.done(id, 'reversed');
}

/** The codes on the rows, by id. */
async function codes(url: string): Promise<Record<string, string | null>> {
  const rows = await sql<{ id: string; code: string | null }>(url, 'SELECT id, undid_nothing AS code FROM iso8583_saf ORDER BY id');
  return Object.fromEntries(rows.map((r) => [r.id, r.code]));
}

test('an older transaction reusing the STAN (another amount, or another card) keeps its 25 after the newer one\'s approval', async (t) => {
  const { url, journal } = await journalOn(t, 'overtaken_retire_booking');
  await answered25(journal, 'older', reversal('000401', '000000001000'));
  await answered25(journal, 'card', reversal('000401', '000000002000', '0200', '5500000000000004'));
  await answered25(journal, 'newer', reversal('000401', '000000002000'));
  // The terminal's repeat of the newer one (written without leading zeros: the same amount), approved in time.
  const repeat = { id: 'repeat', reversal: reversal('000401', '2000', '0201'), at: Date.now() };
  await journal.add(repeat);
  journal.retireOvertaken(repeat);
  await journal.done('repeat', 'not-needed');
  assert.deepEqual(await codes(url), { card: '25', newer: null, older: '25', repeat: null });
});

test('a done refused before its statement lets its retirement go: the entry\'s later done retires nothing', async (t) => {
  const url = cluster.createDatabase('overtaken_retire_refused');
  const journal = new PgJournal({ url, lease: 10_000, owner: 'node-a' });
  t.after(() => journal.close());
  const approved = { id: 'approved', reversal: reversal('000402', '000000001000', '0201'), at: Date.now() };
  // Refused: the store is not open yet (no statement runs).
  journal.retireOvertaken(approved);
  await assert.rejects(journal.done('approved', 'not-needed'), { code: 'ISO8583_ERR_CONNECTOR_STORE' });
  await journal.open();
  await answered25(journal, 'r', reversal('000402', '000000001000'));
  await journal.add(approved);
  // Its approval could not be recorded: it was reversed (reversal.ts), and that end is recorded now.
  await journal.done('approved', 'reversed');
  assert.deepEqual(await codes(url), { approved: null, r: '25' }, 'the 25 stays: no approval retired it');
});

test('the one rule of the memory and the file journal: a repeat without field 2 or 32 retires the 25 of its booking; another acquirer keeps its 25', async (t) => {
  const { url, journal } = await journalOn(t, 'overtaken_retire_absent');
  await answered25(journal, 'same', { ...reversal('000403', '000000001000'), '32': '123456' });
  await answered25(journal, 'acquirer', { ...reversal('000404', '000000001000'), '32': '654321' });
  // The terminal's repeat of the first without field 2 nor 32 (absent on one side: they agree), approved in time.
  const bare = reversal('000403', '000000001000', '0201');
  delete bare['2'];
  const repeat = { id: 'repeat', reversal: bare, at: Date.now() };
  // A repeat under the second's STAN from another acquirer: another transaction.
  const other = { id: 'other', reversal: { ...reversal('000404', '000000001000', '0201'), '32': '123456' }, at: Date.now() };
  for (const e of [repeat, other]) {
    await journal.add(e);
    journal.retireOvertaken(e);
    await journal.done(e.id, 'not-needed');
  }
  assert.deepEqual(await codes(url), { acquirer: '25', other: null, repeat: null, same: null });
});

test('a 25 whose own done failed is ended by the retiring done (no node sends it again); a reversal of the booking still owed stays pending', async (t) => {
  const { url, journal } = await journalOn(t, 'overtaken_retire_pending');
  const r = reversal('000405', '000000001000');
  // Its code written, its own done never ran (failed, then the node stopped).
  await journal.add({ id: 'r', reversal: r, at: Date.now() });
  await journal.attempt('r', 1);
  assert.equal(await journal.undidNothing('r', '25'), undefined);
  // A reversal of the same transaction a caller stored while its original was at the host: not answered, owed.
  await journal.add({ id: 'owed', reversal: r, at: Date.now() });
  const repeat = { id: 'repeat', reversal: reversal('000405', '000000001000', '0201'), at: Date.now() };
  await journal.add(repeat);
  journal.retireOvertaken(repeat);
  await journal.done('repeat', 'not-needed');
  const rows = await sql<{ id: string; code: string | null; pending: boolean; outcome: string | null }>(
    url,
    'SELECT id, undid_nothing AS code, done_at IS NULL AS pending, outcome FROM iso8583_saf ORDER BY id',
  );
  assert.deepEqual(rows, [
    { id: 'owed', code: null, pending: true, outcome: null },
    { id: 'r', code: null, pending: false, outcome: 'reversed' },
    { id: 'repeat', code: null, pending: false, outcome: 'not-needed' },
  ]);
  // The holder's own done, written again later, marks no row: no failure.
  await journal.done('r', 'reversed');
});
