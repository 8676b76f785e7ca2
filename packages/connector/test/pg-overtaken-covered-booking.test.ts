// A reversal's 25 defers to another row carrying the same late approval (UNDID_NOTHING's "covered": a copy passingOn
// made, its repeat stored or owed there) only when that row is of the same booking: a later transaction reusing the
// terminal's STAN with the same amount (another field 7) stores an identical approval, and the older booking's code or
// stored repeat must not swallow the new one's 0401.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const reversal = (time: string): IsoMessage => ({ '0': '0400', '3': '000000', '4': '000000001000', '7': time, '11': '000101', '41': 'TERM0001' });
const approval: IsoMessage = { '0': '0210', '4': '000000001000', '11': '000101', '39': '00', '41': 'TERM0001' };
const booking = (time: string) => ({ key: 'TERM0001|000101', time, amount: 1000, acquirer: undefined, card: undefined });

test('an older booking of the STAN reused, its repeat stored, does not cover the new booking\'s late approval', async (t) => {
  const url = cluster.createDatabase('covered_other_booking');
  const a = new PgJournal({ url, lease: 3000, owner: 'node-a' });
  await a.open();
  t.after(() => a.close());
  await a.add({ id: 'b1', reversal: reversal('1206100000'), at: Date.now() });
  await a.attempt('b1', 1);
  assert.equal(await a.undidNothing('b1', '25'), undefined);
  await a.done('b1', 'reversed');
  const first = await a.lateApproval(approval, undefined, booking('1206100000'));
  assert.equal(first?.againId, 'b1.again');
  await a.add({ id: 'b1.again', reversal: first.reversal, at: Date.now() });
  await a.add({ id: 'b2', reversal: reversal('1206110000'), at: Date.now() });
  await a.attempt('b2', 1);
  assert.equal(await a.lateApproval(approval, undefined, booking('1206110000')), undefined, 'left on b2, pending');
  const owed = await a.undidNothing('b2', '25');
  assert.equal(owed?.againId, 'b2.again', 'b2\'s own late approval is reversed');
  await a.done('b2', 'reversed');
  assert.deepEqual((await a.repeatsOwed()).map((o) => o.againId), ['b2.again'], 'owed until its repeat is stored');
});
