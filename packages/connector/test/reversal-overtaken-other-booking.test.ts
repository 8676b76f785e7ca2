// A late approval and a reversal that undid nothing are matched by their booking, not by STAN and terminal alone
// (transactions-in-flight.ts `approvesBooking`): a terminal used STAN 071001 for purchase A, which timed out, was
// reversed (00) and then approved late (the approval noted, nothing to act on); minutes later a NEW purchase B reuses
// STAN 071001 on that terminal (another amount, another field 7), times out, and its reversal is answered 25. A's noted
// approval is not B's: no repeat of B's reversal may be stored on it (nor capped by A's amount). Only B's own late
// approval calls for B's repeat, with B's amount. The same when A's late approval comes after B's 25 (the remembered
// reversal is not taken by another booking's approval).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import type { Connector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Peer, Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { OvertakenReversals } from '../src/reversal-overtaken.js';

const A = purchase('071001'); // 1000, field 7 1121103000
const B: IsoMessage = { ...purchase('071001', 'TERM0001', '000000002000'), '7': '1121104500' };

/** Resolves when the connector reports a reversal `mti` answered `rc`. */
function reversalAnswered(connector: Connector, mti: string, rc: string): Promise<unknown> {
  return eventWithin(10_000, `no ${mti} answered ${rc} within 10 s`, (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === mti && String(e.responseCode) === rc) resolve(undefined);
    }),
  );
}
/** Resolves when the connector reports the late response of STAN `stan` with field 7 `field7` (handled by then). */
function lateResponse(connector: Connector, stan: string, field7: string): Promise<unknown> {
  return eventWithin(10_000, 'the late approval was not handled within 10 s', (resolve) =>
    connector.on('late-response', (m) => {
      if (m['11'] === stan && m['7'] === field7) resolve(undefined);
    }),
  );
}

async function otherBooking(t: Parameters<typeof tempDir>[0], approvalAAfter25: boolean): Promise<void> {
  const dir = tempDir(t, 'overtaken-other-booking');
  const held = new Map<string, Received>(); // the 0200s by field 7, answered (late) only when the test says
  let reversals = 0;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held.set(String(r.message['7']), r);
      else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': reversals++ === 0 ? '00' : '25' })); // A's undone, B's overtook B
      else p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const sendLate = (p: Peer, field7: string): void => {
    const r = held.get(field7) as Received;
    p.send(r.socket, answer(r.message, { '39': '00' }));
  };
  // Any repeat: before, A's approval called for one of B's reversal, capped at A's amount.
  const repeat = reversalAnswered(connector, '0401', '00');
  // A: times out, its reversal undoes it (00).
  const aUndone = reversalAnswered(connector, '0400', '00');
  assert.equal((await failure(connector.request(A))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await aUndone;
  if (!approvalAAfter25) {
    // A's late approval: its reversal was accepted, so nothing to do but note it.
    const noted = lateResponse(connector, '071001', A['7'] as string);
    sendLate(peer, A['7'] as string);
    await noted;
  }
  // B reuses the STAN at the terminal: times out, its reversal is answered 25 (B had not reached the host yet).
  const b25 = reversalAnswered(connector, '0400', '25');
  assert.equal((await failure(connector.request(B))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await b25;
  if (approvalAAfter25) {
    const handled = lateResponse(connector, '071001', A['7'] as string);
    sendLate(peer, A['7'] as string);
    await handled;
  }
  // B's own late approval: B's repeat, with B's amount.
  const bLate = lateResponse(connector, '071001', B['7'] as string);
  sendLate(peer, B['7'] as string);
  await bLate;
  await repeat;
  const repeats = peer.received.filter((r) => r.message['0'] === '0401').map((r) => r.message);
  assert.equal(repeats.length, 1, 'one repeat: B\'s');
  assert.equal(repeats[0]?.['4'], '000000002000', 'B\'s amount, not capped by A\'s approval');
  assert.equal(repeats[0]?.['7'], B['7'], 'B\'s reversal');
  assert.equal(connector.stats().reversalsPending, 0);
}

test('a noted late approval of another booking under the same STAN and terminal is not taken by a reversal answered 25', async (t) => {
  await otherBooking(t, false);
});

test('a late approval of another booking under the same STAN and terminal does not take the remembered reversal answered 25', async (t) => {
  await otherBooking(t, true);
});

test('OvertakenReversals: a late approval and a reversal that undid nothing are matched by booking (field 7, amount, card, acquirer)', () => {
  const dialect = getDialect('iso87ascii');
  const reversal = { '0': '0400', '2': '4111111111111111', '4': '000000001000', '7': '1121103000', '11': '000042', '32': '123456', '41': 'TERM0001' };
  const late = { '0': '0210', '2': '4111111111111111', '4': '000000001000', '7': '1121103000', '11': '000042', '32': '123456', '39': '00', '41': 'TERM0001' };
  const undid = { '0': '0410', '39': '25' };
  const other = (fields: IsoMessage, amountFields: string[] = ['4', '49'], d = dialect): boolean => {
    const o = new OvertakenReversals(d, amountFields);
    o.answered(reversal, undid);
    const remembered = o.remembers({ ...late, ...fields });
    const again = o.again({ ...late, ...fields });
    assert.equal(remembered, again !== undefined, 'remembers says what again does');
    // The approval first: the reversal's 25 takes it only when it is of its booking.
    const first = new OvertakenReversals(d, amountFields);
    first.again({ ...late, ...fields });
    assert.equal(first.answered(reversal, undid) !== undefined, again !== undefined, 'the same either way round');
    return again === undefined;
  };
  assert.equal(other({}), false, 'its own approval');
  assert.equal(other({ '7': '1121104500' }), true, 'another field 7: another booking');
  assert.equal(other({ '4': '000000002000' }), true, 'another amount');
  assert.equal(other({ '4': '000000000600' }), false, 'a partial approval (the amount read from field 4)');
  // A partial approval carries its smaller amount in field 4 whatever field the approved amount is read from.
  assert.equal(other({ '4': '000000000600' }, []), false, 'a partial approval where no approved amount is read: its booking');
  assert.equal(other({ '4': '000000000600' }, ['6', '51']), false, 'a partial approval where the approved amount is field 6: its booking');
  assert.equal(other({ '2': '4000000000000002' }), true, 'another card');
  assert.equal(other({ '32': '654321' }), true, 'another acquirer');
  assert.equal(other({ '2': undefined, '4': undefined, '7': undefined, '32': undefined } as unknown as IsoMessage), false, 'an approval that echoes none of them');
  // A fresh field 7 on every attempt: the original's is field 90's (MTI, STAN, field 7, fields 32 and 33).
  const fresh = { ...dialect, reversal: { ...dialect.reversal, freshTransmissionTime: true } };
  const data = `0200000042112110300000000123456${'0'.repeat(11)}`;
  const attempt = { ...reversal, '7': '1206181500', '90': data };
  const o = new OvertakenReversals(fresh, ['4', '49']);
  o.answered(attempt, undid);
  assert.equal(o.again({ ...late, '7': '1121104500' }), undefined, 'field 90 names another field 7');
  assert.equal(o.again(late)?.reversal['0'], '0401', 'field 90 names its field 7');
});
