// Observers of a connector's transaction recorder (the operator console's recent transactions): each sees every
// record once, in the turn the outcome is known, the same record the log gets; the PAN comes from track 2 (masked)
// when field 2 is absent; an observer that throws fails no request; one that stopped sees nothing more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TransactionLog, TransactionRecord } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

/** A log that keeps the records it is given, in memory. */
function memoryLog(): TransactionLog & { records: TransactionRecord[] } {
  const records: TransactionRecord[] = [];
  return {
    records,
    open: async () => undefined,
    record: async (r) => {
      records.push(r);
    },
    query: async () => [...records].reverse(),
    prune: async () => 0,
    close: async () => undefined,
  };
}

test('observe – every request is seen once with its outcome, the same record the log gets, before the caller has the answer', async (t) => {
  const log = memoryLog();
  const { connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (r.message['11'] !== '000003') p.send(r.socket, answer(r.message, { '39': r.message['11'] === '000002' ? '05' : '00' }));
    },
    { requestTimeout: 300, transactionLog: log },
  );
  const seen: TransactionRecord[] = [];
  const recorder = connector.transactions;
  assert.ok(recorder !== undefined, 'a connector with a transaction log has a recorder');
  const stop = recorder.observe((r) => seen.push(r));

  await connector.request(purchase('000001'));
  // Seen in the turn the outcome was known: the caller's await resumes after it.
  assert.equal(seen.length, 1);
  await connector.request(purchase('000002'));
  await assert.rejects(connector.request(purchase('000003')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  assert.deepEqual(seen.map((r) => [r.stan, r.outcome]), [['000001', 'approved'], ['000002', 'declined'], ['000003', 'timeout']]);
  assert.deepEqual(seen, log.records, 'the observer sees exactly the records the log gets');
  assert.equal(seen[0]?.pan, '411111******1111');

  stop();
  await connector.request(purchase('000004'));
  assert.equal(seen.length, 3, 'a stopped observer sees nothing more');
  assert.equal(log.records.length, 4);
});

test('observe – an observer that throws fails no request; the PAN of a request with track 2 only is masked from it', async (t) => {
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { transactionLog: memoryLog() });
  const recorder = connector.transactions;
  assert.ok(recorder !== undefined);
  recorder.observe(() => {
    throw new Error('observer bug');
  });
  const seen: TransactionRecord[] = [];
  recorder.observe((r) => seen.push(r));
  const { '2': _pan, ...withoutPan } = purchase('000001');
  const answered = await connector.request({ ...withoutPan, '35': '4111111111111111=29122010000000000000' });
  assert.equal(answered['39'], '00');
  assert.equal(seen.length, 1, 'the observers after a failing one still see the record');
  assert.equal(seen[0]?.pan, '411111******1111');
  assert.doesNotMatch(JSON.stringify(seen), /4111111111111111|29122010000000000000/);
});
