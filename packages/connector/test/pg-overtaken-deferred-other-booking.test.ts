// A late approval that arrives while a request of the same STAN and terminal is in flight waits for that request's
// answer. With a PostgreSQL store, when that request is approved in time it may be the original's repeat (the same
// booking: its `done` retires the 25's row in the same statement, nothing to reverse) or another transaction reusing
// the STAN (another amount: the 25's row stays). The late approval is then looked up, not taken as reported by that
// approval: here another booking, so the original's approval is reversed (0401), though the request in flight was
// approved in time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin, sharedPostgres } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { watchReversals } from './helpers/reversals.js';

test('PostgreSQL store: a late approval that waited for another transaction reusing its STAN, approved in time, is still reversed (0401)', async (t) => {
  const cluster = await sharedPostgres();
  t.after(() => cluster.destroy());
  const url = cluster.createDatabase('overtaken_deferred_other');
  let original: Received | undefined;
  let otherArrived: (r: Received) => void = () => undefined;
  const other = new Promise<Received>((resolve) => (otherArrived = resolve));
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = String(r.message['0']);
      if (mti === '0200' && r.message['11'] === '095801' && r.message['4'] === '000000001000') original = r;
      else if (mti === '0200' && r.message['11'] === '095801') otherArrived(r);
      else if (mti.startsWith('04')) p.send(r.socket, answer(r.message, { '39': '25' }));
      else p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 10_000, pool: { min: 1, max: 1 }, matchKey: ['0', '11', '41', '7'], transactionLog: false, reversal: { enabled: true, journal: new PgJournal({ url, owner: 'node-a' }), retryInterval: 60_000 } },
  );
  await connector.connect();
  // Only the first purchase is meant to time out (300 ms); the other answers come at once but get 10 s.
  const overtaken = watchReversals(connector, 'answered').reached;
  assert.equal((await failure(connector.request(purchase('095801'), { timeout: 300 }))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal((await overtaken).responseCode, '25', 'the reversal overtook the purchase');
  // Another purchase of the terminal reusing the STAN (another amount, another field 7), held by the host.
  const second = connector.request({ ...purchase('095801', 'TERM0001', '000000002000'), '7': '1121103200' });
  const r = await other;
  const reversed = eventWithin<string>(10_000, 'the first purchase\'s late approval was not reversed within 10 s of the other purchase\'s approval', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'queued' && e.mti === '0401') resolve(String(e.stan));
    }),
  );
  peer.send((original as Received).socket, answer((original as Received).message, { '39': '00' }));
  // A request on the one connection answered after the late approval: the late approval was read (and waits).
  assert.equal((await connector.request(purchase('095802', 'TERM0002')))['39'], '00');
  peer.send(r.socket, answer(r.message, { '39': '00' }));
  assert.equal((await second)['39'], '00', 'the other purchase approved in time');
  assert.equal(await reversed, '095801', 'the first purchase\'s approval reversed: a repeat of its reversal');
});
