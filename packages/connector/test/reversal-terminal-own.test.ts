// A terminal that reverses a timed-out purchase itself (its own 0400, as POS terminals do after a 68) while the
// connector's automatic reversal of it is under way: the same reversal. Sent as a request it is refused
// (DUPLICATE_KEY, never written); stored (`saf: true`) it is taken as the entry under way (its receipt). The host gets
// one reversal, and the books count one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReversal } from '../src/index.js';
import { getDialect } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { journalLines, safEvent } from './helpers/reversals.js';

test('a terminal\'s own reversal of a transaction whose reversal is under way: refused as a request, absorbed when stored', async (t) => {
  const dir = tempDir(t, 'own-reversal');
  // The host never answers the purchase nor its reversal (which stays under way); it answers another transaction's.
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (r.message['11'] === '092002') p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, pool: { min: 2, max: 2 }, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  await connector.connect();
  const queued = safEvent(connector, 'queued');
  const sent = safEvent(connector, 'sent');
  assert.equal((await failure(connector.request(purchase('092001')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const entry = await queued;
  await sent;
  const own = buildReversal(purchase('092001'), '0400', getDialect('iso87ascii'));
  const refused = await failure(connector.request(own));
  assert.deepEqual([refused.code, refused.sent], ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'no']);
  const receipt = await connector.request(own, { saf: true });
  assert.deepEqual(receipt, { saf: true, id: entry.id }, 'taken as the reversal under way');
  // Another transaction's reversal goes as before.
  const other = await connector.request(buildReversal(purchase('092002'), '0400', getDialect('iso87ascii')));
  assert.equal(other['39'], '00');
  assert.deepEqual(
    peer.received.map((r) => `${String(r.message['0'])} ${String(r.message['11'])}`),
    ['0200 092001', '0400 092001', '0400 092002'],
    'one reversal of the transaction reached the host',
  );
  assert.equal(connector.stats().reversalsPending, 1);
  assert.equal(journalLines(dir).filter((l) => l.op === 'add').length, 1, 'nothing more journaled');
});

test('a terminal\'s own reversal with its own STAN (the original in field 90) while the reversal is under way: the same reversal', async (t) => {
  const dir = tempDir(t, 'own-reversal-stan');
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 300, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } });
  await connector.connect();
  const queued = safEvent(connector, 'queued');
  const sent = safEvent(connector, 'sent');
  assert.equal((await failure(connector.request(purchase('092101')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const entry = await queued;
  await sent;
  await peer.waitFor(2);
  // Field 11 the terminal's next STAN; field 90 names the purchase (STAN 092101).
  const own = { ...buildReversal(purchase('092101'), '0400', getDialect('iso87ascii')), '11': '092102' };
  const refused = await failure(connector.request(own));
  assert.deepEqual([refused.code, refused.sent], ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'no']);
  assert.deepEqual(await connector.request(own, { saf: true }), { saf: true, id: entry.id }, 'taken as the reversal under way');
  assert.deepEqual(
    peer.received.map((r) => `${String(r.message['0'])} ${String(r.message['11'])}`),
    ['0200 092101', '0400 092101'],
    'one reversal of the transaction reached the host',
  );
  assert.equal(journalLines(dir).filter((l) => l.op === 'add').length, 1, 'nothing more journaled');
});
