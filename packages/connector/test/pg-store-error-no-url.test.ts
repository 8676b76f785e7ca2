// A 503 from the store (ISO8583_ERR_CONNECTOR_STORE) is what POST /, POST /raw and the console's send answer: its text
// and JSON must not name the database's host, port, user or name (pg/pool.ts storeError). The error of the store's
// open (the operator's start-up error) still names the store, its password masked. Real PostgreSQL behind a real relay
// that refuses connections once the database is "away".
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { reservePort, sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import Fastify from 'fastify';
import { PgJournal, PgTerminalLock, iso8583Connector } from '../src/index.js';
import { lockRelay } from './helpers/pg-lock-relay.js';
import { answer, purchase, startPeer } from './peer.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** Asserts that `err` is the store's coded error and that neither its text nor its JSON names anything of `url`. */
function namesNothingOf(err: unknown, url: string): void {
  const e = err as { code?: string; toJSON(): Record<string, unknown> };
  assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_STORE');
  const { hostname, port, username, pathname } = new URL(url);
  const json = JSON.stringify(e.toJSON());
  assert.match(json, /"store: cannot /, 'named once by its field (rv69b #3: it said "store: the store: cannot")');
  for (const part of [hostname, `:${port}`, username, pathname.slice(1), 'postgres']) assert.ok(!json.includes(part), `the error's JSON names ${part}: ${json}`);
}

test('a store failure after its open (the 503 the HTTP routes answer) names no host, port, user or database', async (t) => {
  const relay = await lockRelay(cluster.createDatabase('store_error_no_url'));
  t.after(() => relay.close());
  const journal = new PgJournal({ url: relay.url, owner: 'node-a' });
  await journal.open();
  t.after(() => journal.destroy());
  relay.away(true);
  const err = await journal.add({ id: 'e1', reversal: { '0': '0400', '11': '000001', '41': 'TERM0001' }, at: Date.now() }).then(() => undefined, (e: unknown) => e);
  namesNothingOf(err, relay.url);
});

test('the terminal lock\'s store failure names no host, port, user or database', async (t) => {
  const reserved = await reservePort();
  t.after(() => reserved.release());
  const url = `postgresql://gw-user:s3cret@127.0.0.1:${reserved.port}/gwdb`;
  const lock = new PgTerminalLock({ url, waitTimeout: 500 });
  t.after(() => lock.close());
  const err = await lock.hold('TERM0001', () => Promise.resolve()).then(() => undefined, (e: unknown) => e);
  namesNothingOf(err, url);
});

test('the store\'s open failure still names the store, its password masked', async (t) => {
  const reserved = await reservePort();
  t.after(() => reserved.release());
  const url = `postgresql://gw-user:s3cret@127.0.0.1:${reserved.port}/gwdb`;
  const journal = new PgJournal({ url, owner: 'node-a' });
  const err = await journal.open().then(() => undefined, (e: unknown) => e) as Error & { code?: string };
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
  assert.ok(err.message.includes(`the store postgresql://gw-user:***@127.0.0.1:${reserved.port}/gwdb: cannot be opened`), err.message);
  assert.doesNotMatch(err.message, /s3cret/);
});

test('POST / answers the store\'s 503 without the database\'s host, port, user or name', async (t) => {
  const relay = await lockRelay(cluster.createDatabase('store_error_route'));
  t.after(() => relay.close());
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const app = Fastify({ logger: false });
  const journal = new PgJournal({ url: relay.url, owner: 'node-a' });
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: peer.port, routes: { prefix: '' }, reversal: { enabled: true, journal } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await app.close();
    await peer.close();
  });
  const port = (app.server.address() as { port: number }).port;
  const post = (): Promise<Response> => fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(purchase('000001')) });
  assert.equal((await post()).status, 200, 'the store up: approved');
  relay.away(true);
  const res = await post();
  assert.equal(res.status, 503);
  const body = await res.text();
  assert.match(body, /ISO8583_ERR_CONNECTOR_STORE/);
  const { hostname, port: dbPort, username, pathname } = new URL(relay.url);
  for (const part of [hostname, `:${dbPort}`, username, pathname.slice(1), 'postgres']) assert.ok(!body.includes(part), `the answer names ${part}: ${body}`);
});
