// With the PostgreSQL store and log, a connector closed while an advice's attempt is in flight: answered during the
// stop, its end is journaled and recorded once, and the next start does not send it again; unanswered by the time the
// link closes, the next start sends it again as a repeat (0221), and its end is recorded once, by that start.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import pg from 'pg';
import { PgTransactionLog, createConnector } from '../src/index.js';
import type { ConnectorOptions } from '../src/index.js';
import { answer } from './peer.js';
import type { Received } from './peer.js';
import { peerFor } from './helpers/setup.js';
import { advice } from './helpers/reversals.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

for (const answered of [true, false]) {
  test(`an advice in flight at close, ${answered ? 'answered during the stop: not sent again' : 'never answered: sent again once by the next start'}; its end recorded once`, async (t) => {
    const url = cluster.createDatabase(answered ? 'saf_close_answered' : 'saf_close_unanswered');
    const log = new PgTransactionLog({ connectionString: url });
    t.after(() => log.close());
    const seen: string[] = [];
    let hold = true;
    const held: Received[] = [];
    const peer = await peerFor(t, (r, p) => {
      const mti = String(r.message['0']);
      if (mti.startsWith('08')) return p.send(r.socket, answer(r.message));
      seen.push(mti);
      if (hold) held.push(r);
      else p.send(r.socket, answer(r.message));
    });
    // The attempt's timeout (min(requestTimeout, retryInterval)) bounds the stop's wait for it: answered, it must
    // outlast the answer sent just after close() (5 s: a wide margin); unanswered, the stop waits all of it (1.5 s).
    const base: ConnectorOptions = { host: '127.0.0.1', port: peer.port, store: url, transactionLog: log, reversal: { enabled: true }, saf: { retryInterval: answered ? 5_000 : 1_500, initialDelay: 0 } };
    const first = createConnector(base);
    t.after(() => first.destroy());
    await first.request(advice('000951'), { saf: true });
    await waitUntil(() => held.length === 1, { what: 'the advice to reach the host' });
    const closed = first.close();
    if (answered) {
      const r = held[0] as Received;
      peer.send(r.socket, answer(r.message));
    }
    await closed;
    const open = async (): Promise<number> => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_saf WHERE done_at IS NULL')).rows[0]?.n ?? -1;
      } finally {
        await c.end();
      }
    };
    assert.equal(await open(), answered ? 0 : 1, answered ? 'its end journaled before the store closed' : 'left open for the next start');

    hold = false;
    const second = createConnector(base);
    t.after(() => second.destroy());
    await second.connect();
    if (!answered) await waitUntil(async () => (await open()) === 0, { what: 'the next start to deliver it' });
    await second.close();
    assert.deepEqual(seen, answered ? ['0220'] : ['0220', '0221'], 'at the host');
    const records = (await log.query({})).filter((r) => r.stan === '000951');
    assert.deepEqual(records.map((r) => `${r.mti}/${r.outcome}`), [answered ? '0220/delivered' : '0221/delivered'], 'one record of its end');
  });
}
