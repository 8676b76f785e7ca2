// A purchase times out, its reversal overtakes it at the host (answered 25) and the terminal repeats the purchase
// (0201). The original's late approval arrives while the repeat is at the host and waits for the repeat's answer
// (reversal-follow.ts `lateAnswer`). The repeat is approved in time: that is the booking the late approval reports (the
// terminal told approved), so the late approval is reported only: not noted by STAN and terminal, where a later
// reversal answered 25 of a new transaction reusing the STAN would take it for its own and store a repeat (0401) with
// the old approval's amount.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { receivedLines, watchReversals } from './helpers/reversals.js';

const STAN = '095801';

test('a late approval that waited for its repeat, approved in time, is not noted: a later 25 of a transaction reusing the STAN stores no repeat', async (t) => {
  const dir = tempDir(t, 'overtaken-deferred-approved');
  let original: Received | undefined;
  let repeatArrived: (r: Received) => void = () => undefined;
  const repeat = new Promise<Received>((resolve) => (repeatArrived = resolve));
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = String(r.message['0']);
      if (mti === '0200' && r.message['11'] === STAN) original ??= r; // never answered: both purchases time out
      else if (mti === '0201') repeatArrived(r);
      else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
      else p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, pool: { min: 1, max: 1 }, matchKey: ['0', '11', '41', '7'], reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const events: string[] = [];
  connector.on('reversal', (e) => events.push(`${e.stage}:${e.mti}:${String(e.responseCode ?? '')}`));
  const overtaken = watchReversals(connector, 'answered').reached;
  assert.equal((await failure(connector.request(purchase(STAN)))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal((await overtaken).responseCode, '25', 'the reversal overtook the purchase');
  const repeated = connector.request({ ...purchase(STAN), '0': '0201', '7': '1121103100' } as IsoMessage, { timeout: 10_000 });
  const r = await repeat;
  peer.send((original as Received).socket, answer((original as Received).message, { '39': '00' }));
  // Another terminal's purchase answered after the late approval (one connection): the late approval was read.
  assert.equal((await connector.request(purchase('095802', 'TERM0002')))['39'], '00');
  peer.send(r.socket, answer(r.message, { '39': '00' }));
  assert.equal((await repeated)['39'], '00', 'the terminal is told approved');
  // A new transaction reusing the STAN (another amount) times out; its reversal is answered 25.
  const second = watchReversals(connector, 'answered').reached;
  assert.equal((await failure(connector.request({ ...purchase(STAN, 'TERM0001', '000000002000'), '7': '1121103200' }))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal((await second).responseCode, '25');
  // One more round trip on the connection: anything the 25 called for was queued by then.
  assert.equal((await connector.request(purchase('095803', 'TERM0002')))['39'], '00');
  await connector.close();
  assert.ok(!events.some((e) => e.includes(':0401')), `no repeat stored: ${events.join(', ')}`);
  assert.ok(!receivedLines(peer.received).some((l) => l.startsWith('0401')), 'no 0401 sent');
});
