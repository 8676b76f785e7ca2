// The one rule of a booking's amount, said twice: the memory's (transactions-in-flight.ts `sameBooking`, field 4 as a
// number: absent, all zeros and anything not a whole amount alike 0) and PostgreSQL's (pg/saf-sql.ts `DONE`, which
// retires a 25 of the same booking). Each pair of amounts below is put to both: a 25 with one amount, a repeat approved
// in time with the other; the 25 loses its code exactly when the memory says they name one booking. Real server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import { sameStored } from '../src/journal-overtaken-names.js';
import { sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** Field 4 of the 25 and of the repeat (`undefined`: absent), as callers may give it (text or number). */
const PAIRS: readonly (readonly [string | number | undefined, string | number | undefined])[] = [
  [undefined, '000000000000'],
  ['000000000000', undefined],
  [undefined, undefined],
  ['0', '000000000000'],
  ['000000001000', '1000'],
  ['000000001000', 1000],
  [1000, '000000001000'],
  ['000000001000', '000000002000'],
  [undefined, '000000001000'],
  ['12.50', undefined],
  ['12.50', '000000000000'],
  ['abc', 'xyz'],
  [-5, '000000000000'],
  [12.5, undefined],
  ['0000000000001000', '1000'],
  [9007199254740991, '9007199254740991'],
  [1e21, '000000000000'],
];

/** The reversal of STAN `stan` at TERM0001 with field 4 `amount` (left out when `undefined`). */
function reversal(stan: string, amount: string | number | undefined, mti = '0200'): IsoMessage {
  const message: Record<string, unknown> = { '0': '0400', '2': '4111111111111111', '3': '000000', '11': stan, '41': 'TERM0001', '90': `${mti}${stan}` };
  if (amount !== undefined) message['4'] = amount;
  return message as IsoMessage;
}

test('PostgreSQL retires a 25 by a repeat\'s approval exactly when the memory\'s rule says one booking (absent, zeros, text or number)', async (t) => {
  const url = cluster.createDatabase('overtaken_amount_rule');
  const journal = new PgJournal({ url, lease: 10_000, owner: 'node-a' });
  await journal.open();
  t.after(() => journal.close());
  const expected: Record<string, boolean> = {};
  for (const [i, [kept, asked]] of PAIRS.entries()) {
    const stan = String(500 + i).padStart(6, '0');
    const r = reversal(stan, kept);
    await journal.add({ id: `r${i}`, reversal: r, at: Date.now() });
    await journal.attempt(`r${i}`, 1);
    assert.equal(await journal.undidNothing(`r${i}`, '25'), undefined);
    await journal.done(`r${i}`, 'reversed');
    const repeat = { id: `q${i}`, reversal: reversal(stan, asked, '0201'), at: Date.now() };
    expected[`r${i}`] = sameStored(r, repeat.reversal);
    await journal.add(repeat);
    journal.retireOvertaken(repeat);
    await journal.done(repeat.id, 'not-needed');
  }
  const rows = await sql<{ id: string; code: string | null }>(url, "SELECT id, undid_nothing AS code FROM iso8583_saf WHERE id LIKE 'r%'");
  const retired = Object.fromEntries(rows.map((row) => [row.id, row.code === null]));
  assert.deepEqual(retired, expected, `pairs: ${JSON.stringify(PAIRS.map(([a, b], i) => [`r${i}`, a ?? null, b ?? null]))}`);
  // The rule itself, as the memory holds it (so the comparison above is not two wrongs agreeing).
  assert.equal(expected['r0'], true, 'absent and all zeros: one booking');
  assert.equal(expected['r7'], false, 'another amount: another booking');
});
