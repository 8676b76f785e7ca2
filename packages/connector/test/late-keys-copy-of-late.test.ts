// The host's copy of an answer that came late, or of an unsolicited approval under a key answered in time, is the
// host's duplicate for as long as a copy of an answer in time is (the answered ring's span, late-keys.ts): never
// offered to the reversals as a late approval again. Before: once the last timed-out request's late answer came, its
// key went and a copy of it was offered as a late approval (noted by STAN and terminal: a later transaction reusing the
// STAN, whose reversal undid nothing, stored a repeat 0401 for it); and an approval that differs from the answer in
// time (the host changed its mind) was offered again with each of its copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { capturedLogger, eventWithin } from '@iso8583/test-support';
import type { Connector, ReversalEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { receivedLines } from './helpers/reversals.js';

/** Resolves with the next `event` message of `connector`. */
function next(connector: Connector, event: 'unsolicited' | 'late-response'): Promise<IsoMessage> {
  return eventWithin(10_000, `no ${event} message within 10 s`, (resolve) => connector.once(event, (m: IsoMessage) => resolve(m)));
}

/** Resolves with the next `reversal` event of `connector` at `stage` for `mti`. */
function reversal(connector: Connector, stage: ReversalEvent['stage'], mti: string): Promise<ReversalEvent> {
  return eventWithin(10_000, `no ${stage} ${mti} within 10 s`, (resolve) => {
    const seen = (e: ReversalEvent): void => {
      if (e.stage !== stage || e.mti !== mti) return;
      connector.off('reversal', seen);
      resolve(e);
    };
    connector.on('reversal', seen);
  });
}

test('the copy of the last timed-out request\'s late answer is no late approval: no repeat for a later transaction\'s 25', async (t) => {
  const dir = tempDir(t, 'copy-of-late');
  const STAN = '005963';
  // Every purchase held (it times out); a reversal answered 25 (the purchase not found), a repeat 00.
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    const mti = String(r.message['0']);
    if (mti === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
    else if (mti === '0401') p.send(r.socket, answer(r.message));
  }, { transactionLog: false, pool: { min: 1, max: 1 }, reversal: { enabled: true, journalDir: dir, retryInterval: 50 } });
  await connector.connect();
  const reversed = reversal(connector, 'answered', '0400');
  await assert.rejects(connector.request(purchase(STAN), { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  assert.equal((await reversed).responseCode, '25');
  const [held] = (await peer.waitFor(1)) as [Received];
  // Its late approval comes after the reversal that undid nothing: the reversal again, as a repeat (0401).
  const late = next(connector, 'late-response');
  const repeated = reversal(connector, 'answered', '0401');
  peer.send(held.socket, answer(held.message));
  await late;
  assert.equal((await repeated).responseCode, '00');
  const copied = next(connector, 'unsolicited');
  peer.send(held.socket, answer(held.message)); // the host's copy of the late answer
  await copied;
  // A new transaction reusing the STAN (another amount) times out; its reversal is answered 25: nothing to undo.
  const again = reversal(connector, 'answered', '0400');
  await assert.rejects(connector.request(purchase(STAN, 'TERM0001', '000000002000'), { timeout: 200 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  assert.equal((await again).responseCode, '25');
  await connector.close();
  assert.deepEqual(receivedLines(peer.received), [`0200 ${STAN}`, `0400 ${STAN}`, `0401 ${STAN}`, `0200 ${STAN}`, `0400 ${STAN}`], 'one 0401: the copy was no approval');
  const { processed, secured } = connector.stats().amounts;
  assert.equal(secured, 1000, 'the late approval counted once');
  assert.ok(processed >= secured);
});

test('an approval that differs from the answer in time under its field 7 is offered once as a late approval, its copy never', async (t) => {
  const dir = tempDir(t, 'changed-mind');
  const STAN = '005964';
  const captured = capturedLogger('info');
  const purchases: Received[] = [];
  let gotSecond: () => void = () => undefined;
  const second = new Promise<void>((resolve) => (gotSecond = resolve));
  // The first purchase declined (05) in time; the second held until the test answers it.
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (r.message['0'] !== '0200') return;
    if (purchases.push(r) === 1) p.send(r.socket, answer(r.message, { '39': '05' }));
    else gotSecond();
  }, { logger: captured.logger, transactionLog: false, pool: { min: 1, max: 1 }, reversal: { enabled: true, journalDir: dir, retryInterval: 50 } });
  await connector.connect();
  assert.equal((await connector.request(purchase(STAN)))['39'], '05');
  // A new transaction reusing the STAN, at another transmission time, waits at the host.
  const waiting = connector.request({ ...purchase(STAN, 'TERM0001', '000000002000'), '7': '1121103100' });
  await eventWithin(10_000, 'the second purchase at the host', (resolve) => void second.then(resolve));
  const [first, later] = purchases as [Received, Received];
  const offered = (): number => captured.lines.filter((l) => String(l['msg']).startsWith('a late approval while a request of its transaction is in flight')).length;
  // The host changed its mind: an approval under the first purchase's field 7, then its copy.
  const changed = next(connector, 'unsolicited');
  peer.send(first.socket, answer(first.message));
  assert.equal((await changed)['39'], '00');
  const copied = next(connector, 'unsolicited');
  peer.send(first.socket, answer(first.message));
  assert.equal((await copied)['39'], '00');
  assert.equal(offered(), 1, 'the differing approval offered once, its copy not');
  peer.send(later.socket, answer(later.message));
  assert.equal((await waiting)['39'], '00');
});
