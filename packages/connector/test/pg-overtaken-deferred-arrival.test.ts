// reversal-overtaken-deferred-arrival.test.ts with a PostgreSQL store: the reversal's 25 is kept on its row, and the
// original's late approval, arriving while the terminal's repeat (0201) is at the host, is looked up there once the
// repeat is answered. The repeat is answered past the 25's window (its row's end moved eleven minutes back, and the
// node's clock as far forward: Date mocked), declined: the look-up's window runs from the approval's arrival, which
// was within it, so the late approval is still reversed (0401). Judged from the repeat's answer it found no 25.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { eventWithin, sharedPostgres } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import { OVERTAKEN_FOR_MS } from '../src/reversal-overtaken.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { watchReversals } from './helpers/reversals.js';

test('PostgreSQL store: a late approval that waited for its repeat past the 25\'s window is looked up from its arrival: the repeat declined, it is reversed', async (t) => {
  const cluster = await sharedPostgres();
  t.after(() => cluster.destroy());
  const url = cluster.createDatabase('overtaken_deferred_arrival');
  let original: Received | undefined;
  let repeatArrived: (r: Received) => void = () => undefined;
  const repeat = new Promise<Received>((resolve) => (repeatArrived = resolve));
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = String(r.message['0']);
      if (mti === '0200' && r.message['11'] === '095701') original = r;
      else if (mti === '0201') repeatArrived(r);
      else if (mti.startsWith('04')) p.send(r.socket, answer(r.message, { '39': '25' }));
      else p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 10_000, pool: { min: 1, max: 1 }, matchKey: ['0', '11', '41', '7'], transactionLog: false, reversal: { enabled: true, journal: new PgJournal({ url, owner: 'node-a' }), retryInterval: 60_000 } },
  );
  await connector.connect();
  // Only the purchase is meant to time out (300 ms); the reversal's and the other answers come at once but get 10 s.
  const overtaken = watchReversals(connector, 'answered').reached;
  assert.equal((await failure(connector.request(purchase('095701'), { timeout: 300 }))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal((await overtaken).responseCode, '25');
  const repeated = connector.request({ ...purchase('095701'), '0': '0201', '7': '1121103100' } as IsoMessage, { timeout: 10_000 });
  const r = await repeat;
  peer.send((original as Received).socket, answer((original as Received).message, { '39': '00' }));
  assert.equal((await connector.request(purchase('095702', 'TERM0002')))['39'], '00');
  // The repeat is answered eleven minutes on: the 25's row ended that long ago, and the node's clock says so too.
  const check = new pg.Client({ connectionString: url });
  await check.connect();
  const moved = await check.query("UPDATE iso8583_saf SET done_at = done_at - interval '11 minutes' WHERE undid_nothing IS NOT NULL").finally(() => check.end());
  assert.equal(moved.rowCount, 1, 'the 25 is on its row');
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() + OVERTAKEN_FOR_MS + 60_000 });
  const again = eventWithin<unknown>(10_000, 'the late approval was not reversed within 10 s of its repeat\'s decline', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'queued' && e.mti === '0401') resolve(e.mti);
    }),
  );
  peer.send(r.socket, answer(r.message, { '39': '05' }));
  assert.equal((await repeated)['39'], '05', 'the terminal is told declined');
  assert.equal(await again, '0401', 'the late approval\'s reversal, a repeat of the first');
});
