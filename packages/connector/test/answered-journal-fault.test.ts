// A request answered by the host whose `done` record cannot be written fails (ISO8583_ERR_CONNECTOR_JOURNAL) and is
// reversed, but its connection is sound: the answer came, nothing is left pending on it. In exclusive mode (a socket
// per request) the connection goes back to the pool and stays open, rather than being closed as after a write that
// was never answered. Real files; the `done` write fails (helpers/write-faults.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { writeFaults } from './helpers/write-faults.js';
import { purchase } from './peer.js';

test('exclusive mode – an answered request whose done record cannot be written fails, and its connection stays open for the next request', async (t) => {
  const dir = tempDir(t, 'answered-journal-fault');
  const faults = await writeFaults(t, dir);
  const peer = await peerFor(t);
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    mode: 'exclusive',
    pool: { min: 1, max: 1 },
    reversal: { enabled: true, journalDir: dir },
  });
  await connector.connect();
  faults.rules.push({ marker: '"op":"done"', fail: true });
  await assert.rejects(connector.request(purchase('008401')), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  const first = peer.received[0]!.socket;
  const echo = await connector.request({ 0: '0800', 11: '008402', 41: 'TERM0001', 70: '301' });
  assert.equal(echo['39'], '00');
  const echoed = peer.received.find((r) => r.message['11'] === '008402');
  assert.equal(echoed?.socket, first, 'the echo went on the connection of the answered purchase');
  assert.equal(first.destroyed, false);
});
