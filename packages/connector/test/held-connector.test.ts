// holdConnector (held-connector.ts), the one way the gateway's upstreams are started and stopped: started (the
// journal open) before it is connected, connected with retry, and closed only once the work it is held for has
// settled: a request still goes through while its close waits, and a first connect that fails is logged, not thrown.
// A real host on 127.0.0.1 (the test peer), a real journal folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capturedLogger, waitUntil } from '@iso8583/test-support';
import { holdConnector } from '../src/held-connector.js';
import { purchase } from './peer.js';
import { downPort, peerFor, tempDir } from './helpers/setup.js';

test('a held connector closes only once the work it is held for has settled, serving meanwhile', async (t) => {
  const peer = await peerFor(t);
  const held = holdConnector({ host: '127.0.0.1', port: peer.port, transactionLog: false, reversal: { enabled: true, journalDir: tempDir(t, 'held-connector-') } });
  t.after(() => held.connector.destroy());
  await held.start();
  held.connect();
  let release: () => void = () => undefined;
  held.holdUntil(new Promise<void>((resolve) => (release = resolve)));
  let closed = false;
  const closing = held.close().then(() => (closed = true));
  assert.equal(held.close(), held.close(), 'one close, however often asked');
  const answer = await held.connector.request(purchase('004401'), { timeout: 10_000 });
  assert.equal(answer['39'], '00', 'still serving while its close waits for the held work');
  assert.equal(closed, false);
  release();
  await closing;
  await assert.rejects(held.connector.request(purchase('004402')), { code: 'ISO8583_ERR_CONNECTOR_CLOSED' });
});

test('a held connector\'s failed first connect is logged to the logger given, with the connector\'s name and code', async (t) => {
  const { logger, lines } = capturedLogger('warn');
  const held = holdConnector({ name: 'bank', host: '127.0.0.1', port: await downPort(t), transactionLog: false }, logger);
  t.after(() => held.connector.destroy());
  await held.start();
  held.connect();
  await waitUntil(() => lines.find((l) => l.msg === 'connector not connected yet'), { what: 'the not-connected line' });
  const line = lines.find((l) => l.msg === 'connector not connected yet');
  assert.equal(line?.connector, 'bank');
  assert.equal(typeof line?.code, 'string');
});
