// A connector whose SAF store (PostgreSQL) stops answering (a frozen relay: nothing forwarded, nothing closed) while an
// advice's attempt is being journaled: `destroy()` settles at once (it does not wait for the statement timeout), its
// connections to the store closed, and `close()` ends within the journal's `closeTimeout` with what was left logged.
// Either way the entry stays pending in the store, and the next start sends it exactly once (a repeat: 0221).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { startPostgres, waitUntil, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import pg from 'pg';
import { PgJournal, createConnector } from '../src/index.js';
import type { ConnectorOptions } from '../src/index.js';
import { answer } from './peer.js';
import { capturedLogger, peerFor } from './helpers/setup.js';
import { advice } from './helpers/reversals.js';
import { freezingRelay } from './helpers/pg-freeze.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

/** The text of the statement that records an attempt (pg/saf-sql.ts `ATTEMPT`). */
const ATTEMPT_STATEMENT = 'SET attempts = greatest';

async function pending(url: string): Promise<{ id: string; attempts: number }[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ id: string; attempts: number }>('SELECT id, attempts FROM iso8583_saf WHERE done_at IS NULL')).rows;
  } finally {
    await c.end();
  }
}

for (const stop of ['destroy', 'close'] as const) {
  test(`${stop}() with the store frozen while an attempt is journaled: ${stop === 'destroy' ? 'settles at once' : 'ends within closeTimeout'}, no connection left; the next start sends the entry once`, async (t) => {
    const url = cluster.createDatabase(`frozen_${stop}`);
    const relay = await freezingRelay(url);
    t.after(() => relay.close());
    const seen: string[] = [];
    let answering = false;
    const peer = await peerFor(t, (r, p) => {
      const mti = String(r.message['0']);
      if (mti.startsWith('08')) return p.send(r.socket, answer(r.message));
      seen.push(mti);
      if (answering) p.send(r.socket, answer(r.message));
    });
    // requestTimeout: the wait of a stop for the attempts in flight (twice it) stays short.
    const base: ConnectorOptions = { host: '127.0.0.1', port: peer.port, requestTimeout: 300, reversal: { enabled: true }, saf: { retryInterval: 5_000, initialDelay: 0 } };
    const { logger, lines } = capturedLogger('info');
    const journal = new PgJournal({ url: relay.url, lease: 1500, owner: 'frozen-node', upstream: 'default', closeTimeout: 400, logger });
    const first = createConnector({ ...base, store: journal });
    t.after(() => first.destroy());
    await first.connect();
    relay.freezeOn(ATTEMPT_STATEMENT);
    await first.request(advice('000961'), { saf: true });
    await relay.frozen;

    const t0 = performance.now();
    await within(stop === 'destroy' ? first.destroy() : first.close(), 5_000, `${stop}() with the store frozen`);
    const took = performance.now() - t0;
    console.log(`${stop}() took ${Math.round(took)} ms`);
    await waitUntil(() => relay.open() === 0, { what: 'every connection to the store closed', timeoutMs: 2_000 });
    const left = lines.find((l) => l['code'] === 'ISO8583_ERR_CONNECTOR_STORE' && l['entries'] === 1 && /did not answer/.test(String(l['msg'])));
    assert.ok(left !== undefined, `what was left is logged: ${JSON.stringify(lines.map((l) => l['msg']))}`);
    assert.doesNotMatch(JSON.stringify(lines), /4111111111111111/, 'no card number in the log');
    assert.deepEqual(seen, [], 'the attempt cut before it left was not sent');
    assert.equal((await pending(url)).length, 1, 'still pending in the store');

    // The next start (another node: the cut node could not hand its lease back) takes it over once the lease ends.
    answering = true;
    const second = createConnector({ ...base, store: url, safLease: 1500 });
    t.after(() => second.destroy());
    await second.connect();
    await waitUntil(async () => (await pending(url)).length === 0, { what: 'the next start to deliver the entry' });
    await second.close();
    assert.deepEqual(seen, ['0221'], 'sent once, as a repeat');
  });
}
