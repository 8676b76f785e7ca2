// The PostgreSQL late-approval look-up (overtaken-sql.ts LATE_APPROVAL) with a dialect that sends a fresh field 7 on
// every reversal attempt (`freshTransmissionTime`): the original's field 7 is then the one field 90 carries, and the
// look-up compares the approval's field 7 with it, as the memory does (transactions-in-flight.ts `approvesBooking`;
// reversal-overtaken-other-booking.test.ts): a late approval of another booking reusing the terminal's STAN (another
// original field 7) takes no code that undid nothing of this one (sr59g #4). Real server, the real booking path
// (OvertakenReversals.bookingOf).
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
const reversal: IsoMessage = { '0': '0400', '4': '000000001000', '7': '1206181500', '11': '000042', '41': 'TERM0001', '90': data };
const late: IsoMessage = { '0': '0210', '4': '000000001000', '7': '1121103000', '11': '000042', '39': '00', '41': 'TERM0001' };

test('freshTransmissionTime: the shared look-up of a late approval compares its field 7 with the original\'s in field 90, not with the attempt\'s own', async () => {
  const url = cluster.createDatabase('late_approval_field_90');
  const a = new PgJournal({ url, lease: 60_000, owner: 'node-a' });
  await a.open();
  try {
    await a.add({ id: 'r000042', reversal, at: Date.now() });
    await a.attempt('r000042', 1);
    assert.equal(await a.undidNothing('r000042', '25'), undefined);
    await a.done('r000042', 'reversed');
    const overtaken = new OvertakenReversals(fresh, ['4', '49']);
    const look = (answer: IsoMessage): ReturnType<PgJournal['lateApproval']> => a.lateApproval(overtaken.kept(answer), undefined, overtaken.bookingOf(answer));
    // The memory's rule, on the same messages: another original field 7 is another booking.
    const memory = new OvertakenReversals(fresh, ['4', '49']);
    memory.answered({ ...reversal }, { '0': '0410', '39': '25' });
    assert.equal(memory.again({ ...late, '7': '1121104500' }), undefined, 'the memory: field 90 names another field 7');
    assert.equal(await look({ ...late, '7': '1121104500' }), undefined, 'the store: field 90 names another field 7, another booking\'s approval');
    assert.equal((await look(late))?.againId, 'r000042.again', 'field 90 names its field 7: its repeat is owed');
  } finally {
    await a.close();
  }
});
