// A connector whose SAF store (PostgreSQL) stops answering (a frozen relay: nothing forwarded, nothing closed) while an
// advice's attempt is being journaled: `destroy()` settles at once (it does not wait for the statement timeout), its
// connections to the store closed, and `close()` ends within the journal's `closeTimeout` with what was left logged.
// Either way the entry stays pending in the store, and the next start sends it exactly once (a repeat: 0221).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { freezingRelay, sharedPostgres, waitUntil, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import pg from 'pg';
import { PgJournal, createConnector } from '../src/index.js';
import type { ConnectorOptions } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { capturedLogger, peerFor } from './helpers/setup.js';
import { advice } from './helpers/reversals.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** The text of the statement that records an attempt (pg/saf-sql.ts `ATTEMPT`). */
const ATTEMPT_STATEMENT = 'SET attempts = greatest';
/** The text of the statement that adds entries (pg/saf-sql.ts `ADD`). */
const ADD_STATEMENT = 'INSERT INTO iso8583_saf (id, upstream';
/** The text of the statement that marks entries done (pg/saf-sql.ts `DONE`). */
const DONE_STATEMENT = 'SET done_at = now(), outcome = d.outcome';

async function pending(url: string): Promise<{ id: string; attempts: number }[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ id: string; attempts: number }>('SELECT id, attempts FROM iso8583_saf WHERE done_at IS NULL')).rows;
  } finally {
    await c.end();
  }
}

// `close then destroy`: a graceful stop whose deadline passed (the gateway's): the destroy shortens the close under way.
for (const stop of ['destroy', 'close', 'close then destroy'] as const) {
  test(`${stop === 'close then destroy' ? 'close() then destroy()' : `${stop}()`} with the store frozen while an attempt is journaled: ${stop === 'close' ? 'ends within closeTimeout' : 'settles at once'}, no connection left; the next start sends the entry once`, async (t) => {
    const url = cluster.createDatabase(`frozen_${stop.replaceAll(' ', '_')}`);
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
    // destroy() keeps the default closeTimeout (10 s): it must not wait for it, only for its short grace.
    const journal = new PgJournal({ url: relay.url, lease: 1500, owner: 'frozen-node', upstream: 'default', ...(stop === 'close' ? { closeTimeout: 400 } : {}), logger });
    const first = createConnector({ ...base, store: journal });
    t.after(() => first.destroy());
    await first.connect();
    relay.freezeOn(ATTEMPT_STATEMENT);
    await first.request(advice('000961'), { saf: true });
    await relay.frozen;

    const t0 = performance.now();
    const stopped = stop === 'destroy' ? first.destroy() : stop === 'close' ? first.close() : Promise.all([first.close(), first.destroy()]).then(() => undefined);
    await within(stopped, 5_000, `${stop} with the store frozen`);
    t.diagnostic(`${stop} took ${Math.round(performance.now() - t0)} ms`);
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

test('destroy() with the store frozen while a purchase\'s reversal is being added: settles at once, the request fails with a coded error and is not sent, nothing is stored', async (t) => {
  const url = cluster.createDatabase('frozen_add');
  const relay = await freezingRelay(url);
  t.after(() => relay.close());
  const seen: string[] = [];
  const peer = await peerFor(t, (r, p) => {
    const mti = String(r.message['0']);
    if (mti.startsWith('08')) return p.send(r.socket, answer(r.message));
    seen.push(mti);
  });
  const journal = new PgJournal({ url: relay.url, lease: 1500, upstream: 'default' });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 300, reversal: { enabled: true }, store: journal });
  t.after(() => connector.destroy());
  await connector.connect();
  relay.freezeOn(ADD_STATEMENT);
  const request = connector.request(purchase('000971'));
  request.catch(() => undefined);
  await relay.frozen;
  await within(connector.destroy(), 5_000, 'destroy() with the store frozen');
  await assert.rejects(request, (err: Error & { code?: string }) => {
    assert.match(String(err.code), /^ISO8583_ERR_CONNECTOR_(STORE|CLOSED)$/);
    assert.doesNotMatch(`${err.message} ${JSON.stringify(err)}`, /4111111111111111/);
    return true;
  });
  await waitUntil(() => relay.open() === 0, { what: 'every connection to the store closed', timeoutMs: 2_000 });
  assert.deepEqual(seen, [], 'the purchase never left');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  t.after(() => c.end());
  assert.equal((await c.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_saf')).rows[0]?.n, 0, 'the add cut before it reached the database stored nothing');
});

test('destroy() with the store answering still hands the entries held back at once (within its grace): another node takes them over without waiting for the lease', async (t) => {
  const url = cluster.createDatabase('healthy_destroy');
  const peer = await peerFor(t, (r, p) => {
    if (String(r.message['0']).startsWith('08')) p.send(r.socket, answer(r.message));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, reversal: { enabled: true }, saf: { initialDelay: 60_000 }, store: url, safLease: 60_000 });
  t.after(() => connector.destroy());
  await connector.request(advice('000981'), { saf: true });
  await connector.destroy();
  const other = new PgJournal({ url, lease: 60_000, upstream: 'default', owner: 'other-node' });
  t.after(() => other.close());
  assert.deepEqual((await other.open()).map((e) => e.reversal['11']), ['000981'], 'taken over at once: its lease was handed back');
});

test('destroy() with the store frozen while an answered advice is marked done: settles at once; the entry stays pending and the next start sends it again once (a repeat the host answers as a duplicate)', async (t) => {
  const url = cluster.createDatabase('frozen_done');
  const relay = await freezingRelay(url);
  t.after(() => relay.close());
  const seen: string[] = [];
  const peer = await peerFor(t, (r, p) => {
    const mti = String(r.message['0']);
    if (!mti.startsWith('08')) seen.push(mti);
    p.send(r.socket, answer(r.message));
  });
  const base: ConnectorOptions = { host: '127.0.0.1', port: peer.port, requestTimeout: 300, reversal: { enabled: true }, saf: { retryInterval: 5_000, initialDelay: 0 } };
  const journal = new PgJournal({ url: relay.url, lease: 1500, upstream: 'default' });
  const first = createConnector({ ...base, store: journal });
  t.after(() => first.destroy());
  await first.connect();
  relay.freezeOn(DONE_STATEMENT);
  await first.request(advice('000991'), { saf: true });
  await relay.frozen;
  await within(first.destroy(), 5_000, 'destroy() with the store frozen');
  await waitUntil(() => relay.open() === 0, { what: 'every connection to the store closed', timeoutMs: 2_000 });
  assert.deepEqual(seen, ['0220'], 'answered once before the stop');
  assert.equal((await pending(url)).length, 1, 'its end was cut: still pending');

  const second = createConnector({ ...base, store: url, safLease: 1500 });
  t.after(() => second.destroy());
  await second.connect();
  await waitUntil(async () => (await pending(url)).length === 0, { what: 'the next start to deliver the entry' });
  await second.close();
  assert.deepEqual(seen, ['0220', '0221'], 'sent again once, as a repeat');
});

test('PgJournal: a closeTimeout that is not a number of milliseconds is refused, naming it', () => {
  for (const closeTimeout of [-1, Number.NaN, Infinity, '100' as unknown as number]) {
    assert.throws(() => new PgJournal({ url: 'postgresql://iso8583@127.0.0.1:1/none', closeTimeout }), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS', field: 'closeTimeout' });
  }
});
