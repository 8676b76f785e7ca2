// A reversal sent because the record of its original's answer failed (the original was answered: a 25 to it is final,
// reversal-host.ts) is remembered by its entry id until the entry ends. It must be forgotten at every end, not only an
// answer's: an entry given up (abandoned after `maxAttempts`) leaves nothing behind. Real sockets, real files; the
// `done` write fails once (helpers/write-faults.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { writeFaults } from './helpers/write-faults.js';

test('the ids of reversals of answered originals are forgotten when their entries are given up, not only answered', async (t) => {
  const dir = tempDir(t, 'answered-originals');
  const faults = await writeFaults(t, dir);
  // The bank answers the purchase, never the reversal: the entry is abandoned after its one attempt.
  const peer = await peerFor(t, (r, p) => {
    if (r.message['0'] !== '0400') p.send(r.socket, answer(r.message));
  });
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout: 300, reversal: { enabled: true, journalDir: dir, retryInterval: 100, maxAttempts: 1 } });
  const remembered = (): Set<string> => (connector as unknown as { reversals: { answeredOriginals: Set<string> } }).reversals.answeredOriginals;
  await connector.connect();
  const abandoned = eventWithin(10_000, 'the reversal was not abandoned within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'abandoned') resolve(e.id);
    }),
  );
  const sent = eventWithin(10_000, 'the reversal was not sent within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'sent') resolve(remembered().size);
    }),
  );
  faults.rules.push({ marker: '"op":"done"', fail: true });
  await assert.rejects(connector.request(purchase('072401')), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.equal(await sent, 1, 'remembered while its reversal is under way');
  await abandoned;
  assert.equal(remembered().size, 0, 'forgotten once the entry is given up');
});
