// UNDID_NOTHING's "covered" (a reversal's 25 defers to another row of the same booking carrying the same late
// approval, its repeat stored or owed there) with a dialect that sends a fresh field 7 on every reversal attempt
// (`freshTransmissionTime`): two rows of one booking carry different field 7s, and the original's time is the one
// their field 90 carries, as the late approval's look-up compares it (overtaken-sql.ts ROW_TIME). Compared by field 7
// the second row was taken as another booking's and owed a second repeat of the approval already reversed (two
// 0401s; sr62b #2). Real server; the flag and the booking from the real path (OvertakenReversals).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { OvertakenReversals } from '../src/reversal-overtaken.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const base = getDialect('iso87ascii');
const fresh = { ...base, reversal: { ...base.reversal, freshTransmissionTime: true } };
// Field 90: the original's MTI, STAN 000042, field 7 1121103000, then fields 32 and 33.
const data = `0200000042112110300000000123456${'0'.repeat(11)}`;
const reversal = (time: string): IsoMessage => ({ '0': '0400', '4': '000000001000', '7': time, '11': '000042', '41': 'TERM0001', '90': data });
const late: IsoMessage = { '0': '0210', '4': '000000001000', '7': '1121103000', '11': '000042', '39': '00', '41': 'TERM0001' };

test('freshTransmissionTime: a second row of the booking (another field 7, the same original in field 90) is covered by the first row\'s repeat of the same late approval', async (t) => {
  const url = cluster.createDatabase('covered_field_90');
  const a = new PgJournal({ url, lease: 60_000, owner: 'node-a' });
  await a.open();
  t.after(() => a.close());
  const overtaken = new OvertakenReversals(fresh, ['4', '49']);
  const look = (): ReturnType<PgJournal['lateApproval']> => a.lateApproval(overtaken.kept(late), undefined, overtaken.bookingOf(late));
  // Two reversal rows of the booking, each its own field 7: the late approval is left on the newer (pending), which
  // ends not needed and passes it on to r1 (overtaken-sql.ts passingOn); r1's 25 returns it, its repeat stored. (A
  // look-up no longer leaves a copy on a newer row once r1 carries it: it names r1's repeat, sr67a #1.)
  await a.add({ id: 'r1', reversal: reversal('1206181500'), at: Date.now() });
  await a.add({ id: 'r2', reversal: reversal('1206181600'), at: Date.now() });
  assert.equal(await look(), undefined, 'left on r2, pending');
  await a.done('r2', 'not-needed');
  await a.attempt('r1', 1);
  const first = await a.undidNothing('r1', '25', overtaken.timeIn90);
  assert.equal(first?.againId, 'r1.again', 'passed on to r1: its 25 reverses the late approval');
  await a.add({ id: 'r1.again', reversal: reversal('1206181700'), at: Date.now() });
  await a.done('r1', 'reversed');
  // r2 reopened (a new attempt) and answered 25: it carries the same approval, its 0401 stored already.
  await a.attempt('r2', 2);
  assert.equal(await a.undidNothing('r2', '25', overtaken.timeIn90), undefined, 'r1\'s repeat reverses this approval already: no second 0401');
  await a.done('r2', 'reversed');
  assert.deepEqual((await a.repeatsOwed()).map((o) => o.againId), [], 'nothing more owed');
});
