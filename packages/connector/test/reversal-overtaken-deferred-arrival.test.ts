// A purchase times out, its reversal overtakes it at the host (answered 25) and the terminal repeats the purchase
// (0201). The original's late approval arrives while the repeat is at the host, within the 25's window
// (OVERTAKEN_FOR_MS), and waits for the repeat's answer (reversal-follow.ts `lateAnswer`). The repeat is answered only
// after that window has passed (the clock moved on: Date mocked forward), and declined: the late approval is judged by
// its arrival, not by the time the repeat decided, so it is still reversed (0401). Judged at the repeat's answer it was
// left unreversed: the card charged, the terminal told declined.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { watchReversals } from './helpers/reversals.js';
import { OVERTAKEN_FOR_MS } from '../src/reversal-overtaken.js';

test('a late approval that waited for its repeat past the 25\'s window is judged by its arrival: the repeat declined, it is reversed (0401)', async (t) => {
  const dir = tempDir(t, 'overtaken-deferred-arrival');
  let original: Received | undefined;
  let repeatArrived: (r: Received) => void = () => undefined;
  const repeat = new Promise<Received>((resolve) => (repeatArrived = resolve));
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = String(r.message['0']);
      if (mti === '0200' && r.message['11'] === '095601') original = r;
      else if (mti === '0201') repeatArrived(r);
      else if (mti.startsWith('04')) p.send(r.socket, answer(r.message, { '39': '25' }));
      else p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 10_000, pool: { min: 1, max: 1 }, matchKey: ['0', '11', '41', '7'], reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  // Only the purchase is meant to time out (300 ms); the reversal's and the other answers come at once but get 10 s.
  const overtaken = watchReversals(connector, 'answered').reached;
  assert.equal((await failure(connector.request(purchase('095601'), { timeout: 300 }))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal((await overtaken).responseCode, '25', 'the reversal overtook the purchase');
  const repeated = connector.request({ ...purchase('095601'), '0': '0201', '7': '1121103100' } as IsoMessage, { timeout: 10_000 });
  const r = await repeat;
  peer.send((original as Received).socket, answer((original as Received).message, { '39': '00' }));
  // Another terminal's purchase answered after the late approval (one connection): the late approval was read.
  assert.equal((await connector.request(purchase('095602', 'TERM0002')))['39'], '00');
  // The repeat is answered past the 25's window (the approval came within it).
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() + OVERTAKEN_FOR_MS + 60_000 });
  const again = eventWithin<IsoMessage['0']>(10_000, 'the late approval was not reversed within 10 s of its repeat\'s decline', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'queued' && e.mti === '0401') resolve(e.mti);
    }),
  );
  peer.send(r.socket, answer(r.message, { '39': '05' }));
  assert.equal((await repeated)['39'], '05', 'the terminal is told declined');
  assert.equal(await again, '0401', 'the late approval\'s reversal, a repeat of the first');
});
