// A SAF attempt (a reversal, an advice stored with `saf: true`) waits for a connection at most its timeout,
// min(requestTimeout, retryInterval), and once written waits that long for its answer: the SAF queue's stop waits twice
// that for the attempts in flight, so an attempt that could still be written after it (once a connection frees up)
// would be answered after the journal closed, and the next start would send the answered entry again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { advice, safEvent } from './helpers/reversals.js';
import { capturedLogger, connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { answer } from './peer.js';
import type { Received } from './peer.js';

test('saf – an attempt still waiting for a connection at its timeout fails with DEADLINE and is never written', async (t) => {
  const held: Received[] = [];
  const peer = await peerFor(t, (r, p) => {
    if (r.message['11'] === '007601') held.push(r);
    else p.send(r.socket, answer(r.message));
  });
  const { logger, lines } = capturedLogger('warn');
  // One connection, lent to one request at a time (its wait, acquireTimeout, far longer than the attempt's 200 ms).
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    mode: 'exclusive',
    pool: { min: 1, max: 1, acquireTimeout: 60_000 },
    requestTimeout: 200,
    logger,
    saf: { enabled: true, journalDir: tempDir(t, 'saf-attempt-deadline'), retryInterval: 30_000, maxAttempts: 1 },
  });
  await connector.connect();
  const echo = connector.request({ 0: '0800', 11: '007601', 41: 'TERM0001', 70: '301' }, { timeout: 60_000 });
  await peer.waitFor(1); // the only connection is busy until the host answers the echo
  // The attempt never left, so it is not counted: the entry waits for its next one (not abandoned at maxAttempts 1).
  const waiting = safEvent(connector, 'waiting', undefined, 60_000);
  await connector.request(advice('007602'), { saf: true });
  const e = await within(waiting, 10_000, 'the attempt to end at its 200 ms timeout, not at the 60 s acquire timeout');
  assert.equal(e.stan, '007602');
  assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_DEADLINE');
  assert.ok(
    lines.some((l) => l.code === 'ISO8583_ERR_CONNECTOR_DEADLINE' && l.stan === '007602'),
    'the attempt failed at its deadline',
  );
  // The connection is free again: the attempt, already over, must not be written now. The freed connection wakes the
  // entry (saf-release-wake.test.ts): its next attempt, journaled before it goes, is the one written, once.
  const answered = safEvent(connector, 'answered', undefined, 60_000);
  peer.send(held[0]!.socket, answer(held[0]!.message));
  assert.equal((await echo)['39'], '00');
  const next = await within(answered, 10_000, 'the next attempt answered once the connection is free');
  assert.deepEqual([next.stan, next.attempt], ['007602', 1], 'the attempt that never left not counted');
  assert.equal((await connector.request({ 0: '0800', 11: '007603', 41: 'TERM0001', 70: '301' }))['39'], '00');
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['007601', '007602', '007603'], 'the advice written once');
});
