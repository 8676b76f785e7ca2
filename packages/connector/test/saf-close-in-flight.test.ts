// Stopping a connector while a reversal attempt is in flight: the bank's answer, arriving after close() began, is
// recorded before the journal closes, with either store, so that no other node (nor the next start) sends an answered
// reversal again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { FileJournal, PgJournal } from '../src/index.js';
import type { ReversalJournal } from '../src/index.js';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { watchReversals } from './helpers/reversals.js';
import { answer, purchase } from './peer.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const stores: { kind: string; store: (t: Parameters<typeof tempDir>[0]) => string; reopen: (where: string) => ReversalJournal }[] = [
  { kind: 'postgresql', store: () => cluster.createDatabase('close_in_flight'), reopen: (url) => new PgJournal({ url, lease: 60_000, owner: 'node-b' }) },
  { kind: 'file', store: (t) => tempDir(t, 'close-in-flight'), reopen: (dir) => new FileJournal(dir) },
];

for (const s of stores) {
  test(`close() with a reversal attempt in flight waits for it: its answer, arriving after close() began, is recorded and the entry is never handed out again (${s.kind})`, async (t) => {
    const where = s.store(t);
    const held: (() => void)[] = [];
    let sent: () => void = () => undefined;
    const reversalSent = new Promise<void>((resolve) => (sent = resolve));
    // The bank lets the purchase time out and holds its reversal's answer until the test lets it go.
    const peer = await peerFor(t, (r, p) => {
      if (r.message['0'] !== '0400') return;
      held.push(() => p.send(r.socket, answer(r.message)));
      sent();
    });
    const connector = connectorFor(t, {
      host: '127.0.0.1',
      port: peer.port,
      requestTimeout: 30_000,
      ...(s.kind === 'postgresql' ? { store: where, safLease: 60_000 } : {}),
      reversal: { enabled: true, retryInterval: 30_000, ...(s.kind === 'file' ? { journalDir: where } : {}) },
    });
    const watch = watchReversals(connector, 'answered');
    await connector.connect();
    await assert.rejects(connector.request(purchase('700001'), { timeout: 100 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
    await reversalSent;
    const closing = connector.close();
    held.shift()?.(); // the answer leaves the bank only once close() has begun
    await closing;
    const e = await watch.reached;
    assert.equal(e.stan, '700001');

    const next = s.reopen(where);
    assert.deepEqual(await next.open(), [], 'the answered reversal is not handed to another node or a later start');
    await next.close();
    if (s.kind === 'postgresql') {
      const pool = new pg.Pool({ connectionString: where });
      const { rows } = await pool.query<{ outcome: string | null }>('SELECT outcome FROM iso8583_saf');
      await pool.end();
      assert.deepEqual(rows, [{ outcome: 'reversed' }]);
    }
  });
}
