// The PostgreSQL store's bank marker (iso8583_saf_upstream) as running nodes see it. A node already running reads its
// keys' rows again at each lease renewal: a key since recorded for another bank (a start
// there while its owner lock was being taken again, with the owner lock off, or the row rewritten by hand) is neither
// claimed nor added to (the entries held, its bank's, still sent there)
// (ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK, logged once, counted in iso8583_connector_saf_other_bank), until the row
// names its bank again. And a start at another bank sees a running node that claims the key as a former one
// (formerUpstreams, an upstream group's renamed upstream): refused, as for a node registered under that key.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { capturedLogger, sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { Registry } from 'prom-client';
import { PgJournal, createConnector } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';
import { purchase } from './peer.js';
import { peerFor } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { sql as run, renewNow as renew } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

function entry(id: string): JournalEntry {
  return { id, reversal: { '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': id.slice(-6).padStart(6, '0'), '41': 'TERM0001' }, at: Date.now() };
}

for (const ownerLock of [true, false]) {
  test(`a running node (owner lock ${ownerLock ? 'on' : 'off'}) whose key is recorded for another bank since stops (at its next renewal): no claim, no add, logged once, the entries it holds still sent to its bank; back at its bank, it goes on`, async () => {
    const url = cluster.createDatabase(`marker_running_${ownerLock ? 'lock' : 'nolock'}`);
    const { logger, lines } = capturedLogger('info');
    const a = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000, ownerLock, logger });
    await a.open();
    try {
      await a.add(entry('e000001')); // held by A, for bank 1001
      let b: PgJournal;
      if (ownerLock) {
        // A's row rewritten by hand (or by a start while A's owner lock was being taken again): B then opens over it.
        await run(url, "UPDATE iso8583_saf_upstream SET address = '127.0.0.1:2002' WHERE upstream = 'bank'");
        // Its held entry is still its bank's: sent there (an entry belongs to the bank it was added for).
        assert.equal(typeof (await a.attempt('e000001', 1)), 'number');
        b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000 });
        await b.open();
      } else {
        // With the owner lock off a start does not see the running nodes (docs/operations.md): a key with pending
        // entries still refuses it; once A's entry is done, a start at bank 2002 takes the key over while A runs.
        const refused = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000 });
        assert.equal((await failure(refused.open())).field, 'host', 'a key with pending entries still refuses the start');
        await a.done('e000001', 'reversed');
        b = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000 });
        await b.open();
        assert.deepEqual(await run(url, 'SELECT address FROM iso8583_saf_upstream'), [{ address: '127.0.0.1:2002' }]);
        // Before its next renewal A still adds (its own request, to its own bank: the window of a third of a lease).
        await a.add(entry('e000011'));
      }
      // B adds bank 2002's reversal and closes: its entry is handed back, claimable at once.
      await b.add(entry('e000002'));
      await b.close();

      await renew(a);
      assert.deepEqual(a.keysAtOtherBank, [{ key: 'bank', recorded: '127.0.0.1:2002' }]);
      const logged = lines.filter((l) => l.code === 'ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK');
      assert.equal(logged.length, 1);
      assert.equal(logged[0]?.key, 'bank');
      assert.equal(logged[0]?.recorded, '127.0.0.1:2002');
      assert.doesNotMatch(JSON.stringify(lines), /4111111111111111/);

      assert.deepEqual(await a.claim(), [], 'bank 2002\'s reversal is not claimed by the node at bank 1001');
      // The entry A holds (added for bank 1001) is still sent there.
      const held = ownerLock ? 'e000001' : 'e000011';
      const tries = ownerLock ? 2 : 1;
      assert.equal(typeof (await a.attempt(held, tries)), 'number');
      const [row] = await run<{ attempts: number; lease_owner: string }>(url, 'SELECT attempts, lease_owner FROM iso8583_saf WHERE id = $1', [held]);
      assert.equal(row?.attempts, tries, 'its attempt recorded');
      const refusedAdd = await failure(a.add(entry('e000003')));
      assert.equal(refusedAdd.code, 'ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK');
      assert.equal((await run(url, "SELECT id FROM iso8583_saf WHERE id = 'e000003'")).length, 0, 'nothing stored');
      await renew(a);
      assert.equal(lines.filter((l) => l.code === 'ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK').length, 1, 'logged once');

      // The row points back at A's bank: A goes on (its held entry sent); bank 2002's entry stays bank 2002's (its
      // `bank`, SAF step 14: the row naming bank 1001 again does not make it 1001's).
      await run(url, "UPDATE iso8583_saf_upstream SET address = '127.0.0.1:1001' WHERE upstream = 'bank'");
      await renew(a);
      assert.deepEqual(a.keysAtOtherBank, []);
      assert.equal(typeof (await a.attempt(held, tries + 1)), 'number');
      assert.deepEqual(await a.claim(), [], 'bank 2002\'s reversal is not sent to bank 1001');
    } finally {
      await a.close();
    }
  });
}

test('a start at another bank is refused while a running node claims the key as a former one (formerUpstreams), idle; taken over once it stopped', async () => {
  const url = cluster.createDatabase('marker_running_former');
  const renamed = new PgJournal({ url, upstream: 'bank-new', formerUpstreams: ['bank'], address: '127.0.0.1:1001', lease: 60_000 });
  await renamed.open();
  try {
    const other = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000 });
    const err = await failure(other.open());
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
    assert.equal(err.field, 'host');
    assert.match(err.message, /1 running node\(s\) use the key "bank" \(iso8583_saf_upstream: nodes at 127\.0\.0\.1:1001 are running on this key\), not 127\.0\.0\.1:2002/);
    assert.deepEqual(await run(url, "SELECT address FROM iso8583_saf_upstream WHERE upstream = 'bank'"), [{ address: '127.0.0.1:1001' }]);
    // A node of the same bank on the key opens beside it.
    const same = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:1001', lease: 60_000 });
    await same.open();
    await same.close();
  } finally {
    await renamed.close();
  }
  const taker = new PgJournal({ url, upstream: 'bank', address: '127.0.0.1:2002', lease: 60_000 });
  await taker.open();
  await taker.close();
  assert.deepEqual(await run(url, "SELECT address FROM iso8583_saf_upstream WHERE upstream = 'bank'"), [{ address: '127.0.0.1:2002' }]);
});

test('two connectors on one database: the one at bank A (owner lock off) whose key bank B took over refuses its requests (not sent) and shows it in iso8583_connector_saf_other_bank', async (t) => {
  const url = cluster.createDatabase('marker_running_connectors');
  const seenA: string[] = [];
  const bankA = await peerFor(t, (r) => void seenA.push(String(r.message['0'])));
  const bankB = await peerFor(t, () => undefined);
  const registry = new Registry();
  const options = { name: 'bank', host: '127.0.0.1', store: url, requestTimeout: 300, reversal: { enabled: true }, saf: { retryInterval: 60_000, initialDelay: 0 } };
  const a = createConnector({ ...options, port: bankA.port, safOwnerLock: false, safLease: 900, registry });
  t.after(() => a.destroy());
  await a.connect();
  const b = createConnector({ ...options, port: bankB.port });
  t.after(() => b.destroy());
  await b.connect(); // A runs idle with its owner lock off: unseen, the key taken over (docs/operations.md)
  await waitUntil(async () => /iso8583_connector_saf_other_bank\{[^}]*\} 1/.test(await registry.metrics()), { what: 'A\'s renewal found its key at bank B', timeoutMs: 20_000 });
  const err = await failure(a.request(purchase('000901')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK');
  assert.equal(a.stats().safOtherBank, 1);
  assert.equal(b.stats().safOtherBank, 0);
  assert.deepEqual(seenA.filter((m) => m.startsWith('02')), [], 'the request was not sent to bank A');
  await b.close();
  await a.close();
});
