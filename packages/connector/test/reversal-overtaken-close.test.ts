// A reversal answered `25` (original not found: it overtook its original, still at the host) is remembered in memory,
// so that a late approval of the original is reversed again, and the file journal keeps its end. A connector closed
// before that approval comes says it is kept (and counts it as left): the next start stores it again as a repeat
// (0401) and sends it (the host reverses the original if it approved it after all). Real sockets, real journal files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import { eventWithin, waitUntil } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import { capturedLogger, connectorFor, peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { OvertakenReversals } from '../src/reversal-overtaken.js';

test('close() keeps a reversal answered 25 for the next start, logged and counted; the next start sends it as a 0401', async (t) => {
  const dir = tempDir(t, 'overtaken-close');
  const { logger, lines, text } = capturedLogger('info');
  const reversal = { enabled: true, journalDir: dir, retryInterval: 60_000 };
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') return; // the host is still working on it
      p.send(r.socket, answer(r.message, mti === '0400' ? { '39': '25' } : {}));
    },
    { requestTimeout: 300, logger, reversal },
  );
  await connector.connect();
  const overtaken = eventWithin(10_000, 'the reversal was not answered within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0400') resolve(e.responseCode);
    }),
  );
  assert.equal((await failure(connector.request(purchase('072001')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal(await overtaken, '25');
  await connector.close();
  const kept = lines.find((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_KEPT');
  assert.ok(kept !== undefined, 'logged');
  assert.deepEqual([kept.level, kept.mti, kept.stan, kept.responseCode], [40, '0401', '072001', '25']);
  assert.equal(connector.stats().safDepth, 1, 'counted as left for the next start');
  assert.ok(!text().includes('4111111111111111'), 'no PAN in the log');

  const next = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout: 300, reversal });
  await next.connect();
  await waitUntil(() => peer.received.some((r) => r.message['0'] === '0401'), { what: 'the repeat sent by the next start' });
  const repeat = peer.received.find((r) => r.message['0'] === '0401')?.message;
  assert.deepEqual([repeat?.['11'], repeat?.['41']], ['072001', 'TERM0001']);
  await waitUntil(() => next.stats().safDepth === 0, { what: 'the repeat answered 00 and ended' });
});

test('OvertakenReversals.takeAll: the reversals that undid nothing and are still within their time, taken once', () => {
  const dialect = getDialect('iso87ascii');
  const o = new OvertakenReversals(dialect);
  o.answered({ '0': '0400', '11': '000042', '41': 'TERM0001' }, { '0': '0410', '39': '25' });
  o.answered({ '0': '0400', '11': '000043', '41': 'TERM0001' }, { '0': '0410', '39': '00' });
  assert.deepEqual(o.takeAll().map((r) => [r.reversal['11'], r.responseCode]), [['000042', '25']]);
  assert.deepEqual(o.takeAll(), [], 'taken');
  const old = new OvertakenReversals(dialect, [], 10, -1);
  old.answered({ '0': '0400', '11': '000044', '41': 'TERM0001' }, { '0': '0410', '39': '25' });
  assert.deepEqual(old.takeAll(), [], 'past its time: its original\'s late answer no longer expected');
});
