// The host answers a purchase in time with a decline (05), the caller declines the sale, then the host approves it (00):
// that approval may have moved money the merchant never took, but it cannot be tied to that request for certain (a
// resend of the same STAN and field 7 may have been reversed meanwhile; some dialects carry no field 90): it is logged
// at warn with a code (reversed: false) and counted, never reversed. The host's copy of the decline does nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { DeclinedInTime } from '../src/reversal-declined.js';
import { eventWithin } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { Connector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';
import { journalLines, receivedLines } from './helpers/reversals.js';

const STAN = '009411';
const CODE = 'ISO8583_WARN_SAF_APPROVAL_AFTER_DECLINE';

/** Resolves with the next `unsolicited` message of `connector`. */
function unsolicited(connector: Connector): Promise<IsoMessage> {
  return eventWithin(10_000, 'no unsolicited message within 10 s', (resolve) => connector.once('unsolicited', (m: IsoMessage) => resolve(m)));
}

/**
 * A host that answers a purchase with `first`, then (in the same write turn: no sleep) sends `second` of it; answers a
 * reversal 00. The connector has a file journal; its log is captured.
 */
async function setUp(t: AfterHook, first: (r: IsoMessage) => IsoMessage, second: (r: IsoMessage) => IsoMessage) {
  const dir = tempDir(t, 'after-decline');
  let seen: (line: Record<string, unknown>) => void = () => undefined;
  const log = capturedLogger('info', (line) => {
    if (line.code === CODE) seen(line);
  });
  /** The first line with the code, logged already or within 10 s. */
  const warned = (): Promise<Record<string, unknown>> =>
    eventWithin(10_000, 'no coded warning within 10 s', (resolve) => {
      const line = log.lines.find((l) => l.code === CODE);
      if (line === undefined) seen = resolve;
      else resolve(line);
    });
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    const mti = String(r.message['0']);
    if (mti === '0200') {
      p.send(r.socket, first(r.message));
      p.send(r.socket, second(r.message));
    } else if (mti === '0400' || mti === '0401') p.send(r.socket, answer(r.message));
  }, {
    requestTimeout: 2_000,
    logger: log.logger,
    reversal: { enabled: true, journalDir: dir, journal: new FileJournal(dir, { compactInterval: 0 }), retryInterval: 50 },
  });
  return { peer, connector, dir, log, warned };
}

test('an approval of the same transmission after an in-time decline is logged with a code and counted, not reversed', async (t) => {
  const { peer, connector, dir, log, warned } = await setUp(t, (r) => answer(r, { '39': '05' }), (r) => answer(r));
  assert.equal((await connector.request(purchase(STAN)))['39'], '05', 'the caller got the decline');
  const line = await warned();
  assert.equal(connector.stats().approvalsAfterDecline, 1);
  assert.equal(line.stan, STAN);
  assert.equal(line.responseCode, '05');
  assert.equal(line.reversed, false);
  await connector.close();
  assert.deepEqual(receivedLines(peer.received), [`0200 ${STAN}`], 'no reversal');
  assert.equal(journalLines(dir).filter((l) => l.op === 'add').length, 1, 'the purchase armed, nothing else journaled');
  assert.equal(log.lines.filter((l) => l.code === CODE).length, 1);
  assert.ok(!log.text().includes('4111111111111111'), 'no card number in the log');
});

test('a decline, then its resend timed out and reversed, then the held approval of the resend: exactly one 0400', async (t) => {
  const dir = tempDir(t, 'after-decline-resend');
  const log = capturedLogger('info');
  let held: (() => void) | undefined;
  let purchases = 0;
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    const mti = String(r.message['0']);
    if (mti === '0200') {
      purchases += 1;
      if (purchases === 1) p.send(r.socket, answer(r.message, { '39': '05' }));
      else held = () => p.send(r.socket, answer(r.message)); // held: sent once the reversal was answered
    } else if (mti === '0400' || mti === '0401') {
      p.send(r.socket, answer(r.message));
      held?.();
      held = undefined;
    }
  }, {
    requestTimeout: 500,
    logger: log.logger,
    reversal: { enabled: true, journalDir: dir, journal: new FileJournal(dir, { compactInterval: 0 }), retryInterval: 50 },
  });
  const approvalSeen = eventWithin<void>(10_000, 'the held approval was not handled within 10 s', (resolve) => {
    connector.on('unsolicited', (m: IsoMessage) => {
      if (m['39'] === '00') resolve();
    });
    connector.on('late-response', () => resolve());
  });
  assert.equal((await connector.request(purchase(STAN)))['39'], '05');
  await assert.rejects(connector.request(purchase(STAN)), (e: { code?: string }) => e.code === 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await approvalSeen;
  // The resend's own late approval is tied to its request (late keys), whose reversal undoes it: not an approval after
  // the first attempt's decline, neither logged as one nor counted.
  assert.deepEqual(log.lines.filter((l) => l.code === CODE), [], 'a tied late approval is no approval after a decline');
  assert.equal(connector.stats().approvalsAfterDecline, 0);
  await connector.close();
  assert.deepEqual(receivedLines(peer.received), [`0200 ${STAN}`, `0200 ${STAN}`, `0400 ${STAN}`], 'exactly one 0400');
  assert.equal(journalLines(dir).filter((l) => l.op === 'add').length, 2, 'the two purchases armed, no other reversal journaled');
});

test('a decline, its resend (another field 7) timed out and reversed, then the first attempt\'s approval echoing its own field 7: logged with the code, not reversed', async (t) => {
  // F1 (sr65b): the late keys tie that approval to the resend (the last request timed out under the key, a certain
  // tie), yet it echoes the declined attempt's field 7, not the resend's: the resend's reversal (naming its own) does
  // not undo it, so it is checked against the decline as an unsolicited one is.
  const dir = tempDir(t, 'after-decline-other-echo');
  let seen: (line: Record<string, unknown>) => void = () => undefined;
  const log = capturedLogger('info', (line) => {
    if (line.code === CODE) seen(line);
  });
  const warned = eventWithin<Record<string, unknown>>(10_000, 'no coded warning within 10 s', (resolve) => {
    seen = resolve;
  });
  let declined: IsoMessage | undefined;
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    const mti = String(r.message['0']);
    if (mti === '0200' && declined === undefined) {
      declined = r.message;
      p.send(r.socket, answer(r.message, { '39': '05' }));
    } else if (mti === '0400' || mti === '0401') {
      p.send(r.socket, answer(r.message));
      if (declined !== undefined) p.send(r.socket, answer(declined)); // the first attempt approved after all (its field 7)
      declined = undefined;
    } // the resend: not answered, it times out
  }, {
    requestTimeout: 500,
    logger: log.logger,
    reversal: { enabled: true, journalDir: dir, journal: new FileJournal(dir, { compactInterval: 0 }), retryInterval: 50 },
  });
  assert.equal((await connector.request(purchase(STAN)))['39'], '05', 'the caller got the decline');
  await assert.rejects(connector.request({ ...purchase(STAN), '7': '1121103100' }), (e: { code?: string }) => e.code === 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const line = await warned;
  assert.equal(line.stan, STAN);
  assert.equal(line.responseCode, '05');
  assert.equal(line.reversed, false);
  assert.equal(connector.stats().approvalsAfterDecline, 1);
  await connector.close();
  assert.deepEqual(receivedLines(peer.received), [`0200 ${STAN}`, `0200 ${STAN}`, `0400 ${STAN}`], 'the resend\'s reversal only');
  assert.ok(!log.text().includes('4111111111111111'), 'no card number in the log');
});

test('an approval after an in-time decline that echoes no field 7 (no certain tie) is logged with the code, not reversed', async (t) => {
  const { peer, connector, warned } = await setUp(t, (r) => answer(r, { '39': '05' }), (r) => {
    const a = answer(r);
    delete a['7'];
    return a;
  });
  assert.equal((await connector.request(purchase(STAN)))['39'], '05');
  const line = await warned();
  assert.equal(connector.stats().approvalsAfterDecline, 1);
  assert.equal(line.reversed, false);
  await connector.close();
  assert.deepEqual(receivedLines(peer.received), [`0200 ${STAN}`], 'no reversal');
});

test('the host\'s copy of an in-time decline does nothing', async (t) => {
  const { peer, connector, log } = await setUp(t, (r) => answer(r, { '39': '05' }), (r) => answer(r, { '39': '05' }));
  const copied = unsolicited(connector);
  assert.equal((await connector.request(purchase(STAN)))['39'], '05');
  assert.equal((await copied)['39'], '05');
  await connector.close();
  assert.deepEqual(receivedLines(peer.received), [`0200 ${STAN}`]);
  assert.equal(log.lines.filter((l) => l.code === CODE).length, 0);
});

test('an in-time approval followed by a decline of it reverses nothing', async (t) => {
  const { peer, connector, log } = await setUp(t, (r) => answer(r), (r) => answer(r, { '39': '05' }));
  const copied = unsolicited(connector);
  assert.equal((await connector.request(purchase(STAN)))['39'], '00');
  assert.equal((await copied)['39'], '05');
  await connector.close();
  assert.deepEqual(receivedLines(peer.received), [`0200 ${STAN}`]);
  assert.equal(log.lines.filter((l) => l.code === CODE).length, 0);
});

test('the declines remembered are pruned on every use once older than keepFor, the oldest first (a quiet system keeps none)', () => {
  const declined = new DeclinedInTime(getDialect('iso87ascii'), { logger: capturedLogger('info').logger }, 1000, 60_000);
  const reversal: IsoMessage = { '0': '0400', '4': '000000001000', '7': '1121103000', '11': STAN, '41': 'TERM0001' };
  declined.answered({ reversal }, { '0': '0210', '39': '05' }, 0);
  declined.answered({ reversal: { ...reversal, '11': '009412' } }, { '0': '0210', '39': '05' }, 30_000);
  assert.equal(declined.size, 2);
  declined.answered({ reversal }, { '0': '0210', '39': '00' }, 60_001); // an approval: not noted, but prunes
  assert.equal(declined.size, 1, 'the oldest expired dropped');
  assert.equal(declined.approval({ ...reversal, '0': '0210', '39': '00' }, 90_001), false, 'nothing left to fit');
  assert.equal(declined.size, 0);
});

test('a decline note keeps no card number, only its mark: the card check still tells another card apart', () => {
  const pan = '4111111111111111';
  const declined = new DeclinedInTime(getDialect('iso87ascii'), { logger: capturedLogger('info').logger });
  const reversal: IsoMessage = { '0': '0400', '2': pan, '4': '000000001000', '7': '1121103000', '11': STAN, '41': 'TERM0001', '35': `${pan}=2512` };
  declined.answered({ reversal }, { '0': '0210', '39': '05' });
  // The note's own fields (TS-private, read here only): the whole number is nowhere in them, nor any track.
  const held = JSON.stringify((declined as unknown as { notes: unknown }).notes);
  assert.ok(!held.includes(pan), 'no card number in the note');
  assert.ok(!held.includes('=2512'), 'no track in the note');
  const approval: IsoMessage = { '0': '0210', '4': '000000001000', '7': '1121103000', '11': STAN, '39': '00', '41': 'TERM0001' };
  assert.equal(declined.approval({ ...approval, '2': '4000000000000002' }), false, 'another card: not that decline');
  assert.equal(declined.approval({ ...approval, '2': pan }), true, 'the same card fits');
  assert.equal(declined.approval(approval), true, 'an approval without field 2 fits (the card absent on one side)');
});
