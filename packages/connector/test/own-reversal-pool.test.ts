// A terminal's own reversal (0400, its own STAN) of a purchase still at the host waits for the purchase's outcome
// without a connection: it neither takes one from the pool (a multiplex pool would grow for a request that is not
// sent) nor keeps one from the requests behind it, whatever the pool mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { waitUntil, within } from '@iso8583/test-support';
import type { ConnectorOptions } from '../src/index.js';
import { purchase } from './peer.js';
import type { Peer } from './peer.js';
import { heldAtHost } from './helpers/held-at-host.js';
import { tempDir } from './helpers/setup.js';
import { ownReversal, receivedLines } from './helpers/reversals.js';

/**
 * How many connections the peer accepted before a probe of the test's own, made now: every connection the connector
 * started before this call (the listen queue hands them out in order). The probe is closed after.
 */
async function connectionsBefore(peer: Peer): Promise<number> {
  const probe = connect(peer.port, '127.0.0.1');
  probe.on('error', () => undefined);
  try {
    await within(new Promise<void>((resolve) => probe.once('connect', () => resolve())), 10_000, 'the probe connected');
    const accepted = (): number => [...peer.sockets].findIndex((s) => s.remotePort === probe.localPort);
    const found = await waitUntil(() => (accepted() < 0 ? undefined : { at: accepted() }), { what: 'the peer accepted the probe', timeoutMs: 10_000 });
    return found.at;
  } finally {
    probe.destroy();
  }
}

/** A host holding the purchase of STAN 094001, a connector to it (reversal on, `options`), and the purchase at the host. */
async function purchaseAtHost(t: Parameters<typeof tempDir>[0], options: Pick<ConnectorOptions, 'mode' | 'pool'>) {
  const dir = tempDir(t, 'own-reversal-pool');
  const held = await heldAtHost(t, (m) => m['0'] === '0200' && m['11'] === '094001', { requestTimeout: 10_000, ...options, reversal: { enabled: true, journalDir: dir } });
  const sale = held.connector.request(purchase('094001'));
  await held.atHost;
  return { ...held, sale };
}

test('reversals waiting for a purchase at the host do not make a multiplex pool open a connection', async (t) => {
  const { peer, connector, sale, answerHeld } = await purchaseAtHost(t, { pool: { min: 1, max: 2 } });
  const own = ['094002', '094003', '094004'].map((stan) => connector.request(ownReversal('094001', stan)));
  assert.equal(await connectionsBefore(peer), 1, 'no connection opened for a reversal that waits');
  answerHeld();
  assert.equal((await sale)['39'], '00');
  assert.deepEqual((await Promise.all(own)).map((r) => r['39']), ['00', '00', '00']);
  assert.deepEqual(receivedLines(peer.received), ['0200 094001', '0400 094002', '0400 094003', '0400 094004']);
});

test('reversals waiting for a purchase at the host hold back no other request (multiplex, one connection)', async (t) => {
  const { peer, connector, sale, answerHeld } = await purchaseAtHost(t, { pool: { min: 1, max: 1 } });
  const own = ['094012', '094013', '094014'].map((stan) => connector.request(ownReversal('094001', stan)));
  assert.equal((await connector.request(purchase('094015', 'TERM0002')))['39'], '00', 'answered while the purchase is at the host');
  answerHeld();
  assert.equal((await sale)['39'], '00');
  assert.deepEqual((await Promise.all(own)).map((r) => r['39']), ['00', '00', '00']);
  assert.deepEqual(receivedLines(peer.received), ['0200 094001', '0200 094015', '0400 094012', '0400 094013', '0400 094014']);
});

test('reversals waiting for a purchase at the host hold back no other request (exclusive, one connection)', async (t) => {
  const { peer, connector, sale, answerHeld } = await purchaseAtHost(t, { mode: 'exclusive', pool: { min: 1, max: 1 } });
  const own = ['094022', '094023', '094024'].map((stan) => connector.request(ownReversal('094001', stan)));
  // The one connection is lent to the purchase: the other terminal's request waits for it, and gets it first.
  const other = connector.request(purchase('094025', 'TERM0002'));
  answerHeld();
  assert.equal((await sale)['39'], '00');
  assert.equal((await other)['39'], '00');
  assert.deepEqual((await Promise.all(own)).map((r) => r['39']), ['00', '00', '00']);
  assert.deepEqual(receivedLines(peer.received), ['0200 094001', '0200 094025', '0400 094022', '0400 094023', '0400 094024']);
});
