// reversal-overtaken-repeat-inflight.test.ts with a PostgreSQL store: the reversal's 25 is kept on its row (not in
// memory), and the original's late approval, arriving while the terminal's repeat (0201) is at the host, is looked up
// there only once the repeat is answered: approved in time, its `done` retired that 25, and nothing is reversed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPostgres } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { watchReversals } from './helpers/reversals.js';

test('PostgreSQL store: a late approval while its repeat is at the host stores no reversal once the repeat is approved in time', async (t) => {
  const cluster = await sharedPostgres();
  t.after(() => cluster.destroy());
  const url = cluster.createDatabase('overtaken_repeat_inflight');
  let original: Received | undefined;
  let repeatArrived: (r: Received) => void = () => undefined;
  const repeat = new Promise<Received>((resolve) => (repeatArrived = resolve));
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = String(r.message['0']);
      if (mti === '0200' && r.message['11'] === '095301') original = r;
      else if (mti === '0201') repeatArrived(r);
      else if (mti.startsWith('04')) p.send(r.socket, answer(r.message, { '39': '25' }));
      else p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, pool: { min: 1, max: 1 }, matchKey: ['0', '11', '41', '7'], transactionLog: false, reversal: { enabled: true, journal: new PgJournal({ url, owner: 'node-a' }), retryInterval: 60_000 } },
  );
  await connector.connect();
  const overtaken = watchReversals(connector, 'answered').reached;
  assert.equal((await failure(connector.request(purchase('095301')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal((await overtaken).responseCode, '25');
  const queued = watchReversals(connector, 'queued');
  const repeated = connector.request({ ...purchase('095301'), '0': '0201', '7': '1121103100' } as IsoMessage, { timeout: 10_000 });
  const r = await repeat;
  peer.send((original as Received).socket, answer((original as Received).message, { '39': '00' }));
  assert.equal((await connector.request(purchase('095302', 'TERM0002')))['39'], '00');
  peer.send(r.socket, answer(r.message, { '39': '00' }));
  assert.equal((await repeated)['39'], '00', 'the terminal is told approved');
  // The deferred look-up runs once the repeat's `done` is durable: a request after it, answered, then the close.
  assert.equal((await connector.request(purchase('095303', 'TERM0003')))['39'], '00');
  await connector.close();
  assert.deepEqual(queued.events.filter((e) => e.stage === 'queued').map((e) => e.mti), [], 'no reversal stored');
  assert.deepEqual(peer.received.map((m) => String(m.message['0'])).filter((m) => m.startsWith('04')), ['0400'], 'one reversal reached the host: the first');
  // Nothing left owed either: a start would send what the store holds open.
  const store = new PgJournal({ url, owner: 'node-check' });
  const left = await store.open();
  await store.close();
  assert.deepEqual(left.map((e) => String(e.reversal['0'])), [], 'nothing open in the store');
});
