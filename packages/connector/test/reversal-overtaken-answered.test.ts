// A reversal answered `25` is kept for the next start (repeated as a 0401) because its original may still be approved
// after it: the bank was still working on it. Not when the bank had answered the original already and only the record
// of that answer failed (the connector reversed it all the same): a bank answers a request once, so no late approval
// can come, and the `25` is final; nothing is kept, nothing repeated. Real sockets, real files; the `done` write fails
// (helpers/write-faults.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { capturedLogger, connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { writeFaults } from './helpers/write-faults.js';

test('a reversal of an answered original (its record failed) answered 25 is final: not kept at the stop, not repeated by the next start', async (t) => {
  const dir = tempDir(t, 'overtaken-answered');
  const faults = await writeFaults(t, dir);
  const peer = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message, r.message['0'] === '0400' ? { '39': '25' } : {})));
  const { logger, lines } = capturedLogger('info');
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout: 300, logger, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } });
  await connector.connect();
  const reversed = eventWithin(10_000, 'the reversal was not answered within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0400') resolve(e.responseCode);
    }),
  );
  faults.rules.push({ marker: '"op":"done"', fail: true });
  await assert.rejects(connector.request(purchase('072301')), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.equal(await reversed, '25');
  await connector.close();
  assert.deepEqual(lines.filter((l) => String(l.code).startsWith('ISO8583_WARN_SAF_OVERTAKEN_')), [], 'nothing kept');
  assert.equal(connector.stats().safDepth, 0);
  const journal = new FileJournal(dir);
  assert.deepEqual(await journal.open(), [], 'nothing for the next start to repeat');
  await journal.close();
});
