// PostgreSQL store: a late approval is matched to a reversal's row by booking (field 7, amount, card mark, acquirer:
// overtaken-sql.ts `OF_BOOKING`), not by the newest row of the terminal's STAN. Purchase A times out and is reversed
// (00); purchase B reuses the STAN (2000, another field 7), times out, its reversal is answered 25. A's late approval
// must not take B's row (before: it did, and B's repeat was stored capped at A's 1000, B's own approval then finding
// that repeat stored); B's own late approval calls for B's repeat, with B's amount.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin, sharedPostgres } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { OvertakenReversals } from '../src/reversal-overtaken.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

const A = purchase('071101'); // 1000, field 7 1121103000
const B: IsoMessage = { ...purchase('071101', 'TERM0001', '000000002000'), '7': '1121104500' };

test('PostgreSQL store: a late approval of another booking under the same STAN and terminal does not take the reversal answered 25', async (t) => {
  const cluster = await sharedPostgres();
  t.after(() => cluster.destroy());
  const url = cluster.createDatabase('overtaken_other_booking');
  const journal = new PgJournal({ url, owner: 'node-a' });
  const held = new Map<string, Received>();
  let reversals = 0;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held.set(String(r.message['7']), r);
      else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': reversals++ === 0 ? '00' : '25' }));
      else p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, transactionLog: false, reversal: { enabled: true, journal, retryInterval: 60_000 } },
  );
  await connector.connect();
  const answered = (mti: string, rc: string): Promise<unknown> =>
    eventWithin(10_000, `no ${mti} answered ${rc} within 10 s`, (resolve) =>
      connector.on('reversal', (e) => {
        if (e.stage === 'answered' && e.mti === mti && String(e.responseCode) === rc) resolve(undefined);
      }),
    );
  const aUndone = answered('0400', '00');
  assert.equal((await failure(connector.request(A))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await aUndone;
  const b25 = answered('0400', '25');
  assert.equal((await failure(connector.request(B))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await b25;
  // A's late approval, looked up as the connector does (its kept fields, its booking): B's row is another booking.
  const overtaken = new OvertakenReversals(getDialect('iso87ascii'), ['4', '49']);
  const lateA = answer(held.get(A['7'] as string)?.message as IsoMessage, { '39': '00' });
  assert.equal(await journal.lateApproval(overtaken.kept(lateA), undefined, overtaken.bookingOf(lateA)), undefined, 'A\'s approval takes no row');
  // B's own late approval, through the connector: B's repeat, with B's amount.
  const repeat = answered('0401', '00');
  const r = held.get(B['7'] as string) as Received;
  peer.send(r.socket, answer(r.message, { '39': '00' }));
  await repeat;
  const repeats = peer.received.filter((x) => x.message['0'] === '0401').map((x) => x.message);
  assert.equal(repeats.length, 1, 'one repeat: B\'s');
  assert.equal(repeats[0]?.['4'], '000000002000', 'B\'s amount, not capped by A\'s approval');
  assert.equal(repeats[0]?.['7'], B['7'], 'B\'s reversal');
});
