// A file journal that stops because a failed write's bytes cannot be blanked acknowledges a later write that went
// through whole (journal-stop-later.test.ts). When that later write is a request's `add`, its `arm` resolves although
// the journal stopped: the request must not leave then (its `done` would be refused: an approval reported failed and
// reversed). It is refused unsent (ISO8583_ERR_CONNECTOR_JOURNAL, sent 'no'); its add, read back at the next start, is
// reversed (undoing nothing). Real files and sockets; the writes' faults are injected (helpers/write-faults.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { gate, writeFaults } from './helpers/write-faults.js';

test('a request whose add was acknowledged by a journal stopping after a failed blanking is refused unsent: no 0200 on the wire', async (t) => {
  const dir = tempDir(t, 'journal-stop-later-request');
  const faults = await writeFaults(t, dir);
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    requestTimeout: 5_000,
    pool: { min: 1, max: 1 },
    reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 },
  });
  await connector.connect();
  const held = gate();
  const firstStarted = gate();
  const secondStarted = gate();
  faults.rules.push(
    // add(first) puts half its bytes in the file and fails; add(second) is written whole meanwhile; the blanking fails.
    { marker: '"11":"072001"', started: firstStarted.open, gate: held.promise, cut: true },
    { marker: '"11":"072002"', started: secondStarted.open },
    { blank: 65_536, fail: true },
  );
  const first = failure(connector.request(purchase('072001')));
  await firstStarted.promise;
  const second = failure(connector.request(purchase('072002', 'TERM0002')));
  await secondStarted.promise;
  held.open();
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a.code, 'ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.equal(b.code, 'ISO8583_ERR_CONNECTOR_JOURNAL', b.message);
  assert.equal((b as { sent?: string }).sent, 'no');
  assert.match(b.message, /not sent/);
  assert.deepEqual(peer.received.filter((r) => r.message['0'] === '0200').map((r) => r.message['11']), [], 'no 0200 left');
  assert.equal(connector.journalHalted()?.reason, 'after a write it could not repair');
});
