// The money figures count what the bank did, whatever the timing: a purchase the bank approved after the request
// timed out is secured (the bank took it), and its reversal is counted once, when its SAF entry ends, whichever answer
// ended it (in time, or late while the entry waited for its next attempt). Every answer from the bank is a packet.
// Before: the late approval counted nowhere (securedAmount -10.00 once its reversal was answered in time), and a
// reversal ended by its late answer counted nothing (no reversal amount, no 0410 packet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReversalEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { eventWithin } from '@iso8583/test-support';

/** The figures of one late-approved 10.00 purchase and its accepted reversal. */
const EXPECTED_SOCKETQUEUE = {
  securedAmount: 0,
  processedAmount: 10,
  refundAmount: 0,
  reversalAmount: 10,
  faultStat: {},
  packetCount: { '0200': 1, '0210': 1, '0400': 1, '0410': 1, total: 4 },
};
const EXPECTED_AMOUNTS = { processed: 1000, secured: 1000, refund: 0, reversal: 1000 };

test('a late approval is secured, and a reversal ended by its late answer is counted once', async (t) => {
  const dir = tempDir(t, 'late-figures-late');
  const held: Received[] = [];
  const { peer, connector } = await peerAndConnector(
    t,
    (r) => {
      held.push(r); // the 0200 and the 0400 both go unanswered until the 0400 timed out
    },
    { requestTimeout: 300, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const ended = eventWithin<ReversalEvent>(10_000, 'the reversal did not end within 10 s', (resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      // The 0400 timed out and waits for its repeat: the bank's answers to both come now, late.
      if (e.stage === 'waiting') for (const r of held.splice(0)) peer.send(r.socket, answer(r.message));
      if (e.stage === 'answered') resolve(e);
    }),
  );
  const err = await failure(connector.request(purchase('081201')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal((await ended).responseCode, '00');
  const stats = connector.stats();
  assert.deepEqual(stats.socketQueue, EXPECTED_SOCKETQUEUE);
  assert.deepEqual(stats.amounts, EXPECTED_AMOUNTS);
});

test('a late approval is secured, and a reversal answered in time is counted once', async (t) => {
  const dir = tempDir(t, 'late-figures-in-time');
  let original: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r) => {
      if (r.message['0'] === '0200') {
        original = r; // answered late: with its reversal, which is answered at once
        return;
      }
      if (original !== undefined) peer.send(original.socket, answer(original.message));
      peer.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const ended = eventWithin<ReversalEvent>(10_000, 'the reversal did not end within 10 s', (resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      if (e.stage === 'answered') resolve(e);
    }),
  );
  const late = eventWithin<void>(10_000, 'the 0210 was not reported late within 10 s', (resolve) => connector.on('late-response', () => resolve()));
  const err = await failure(connector.request(purchase('081202')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await late;
  assert.equal((await ended).responseCode, '00');
  const stats = connector.stats();
  assert.deepEqual(stats.socketQueue, EXPECTED_SOCKETQUEUE);
  assert.deepEqual(stats.amounts, EXPECTED_AMOUNTS);
});
