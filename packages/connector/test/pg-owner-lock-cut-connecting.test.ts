/**
 * A node stopped while its owner lock's session is still being made on a store gone silent (the TCP connection
 * accepted, the start-up never answered: a host hung, a relay that drops every packet). `cut` (a close past its bound)
 * and `close` end that connect at once: the take in flight fails, and no connection is left open. Neither reached it
 * (the session was not the lock's yet, nor the closing one): the take, and the close waiting for it, lasted until the
 * connect timeout (the pool's, else 10 s), the connection held open all that time. Likewise the connection a close
 * makes to end a session given up for hanging: cut, it left that close unsettled for ever (the driver settles no
 * connect whose socket is closed without an error while it is ended).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { eventWithin, freezingRelay, sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { FreezingRelay, PostgresCluster } from '@iso8583/test-support';
import { OwnerLock } from '../src/pg/owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** Far below the connect timeout given (60 s), with room for a busy machine. */
const END_WITHIN_MS = 3000;

/** An owner lock whose take is connecting through a relay frozen from the start (the connection accepted, unanswered). */
async function connecting(t: TestContext, database: string): Promise<{ lock: OwnerLock; opening: Promise<void>; relay: FreezingRelay }> {
  const relay = await freezingRelay(cluster.createDatabase(database));
  t.after(() => relay.close());
  relay.freeze();
  const lock = new OwnerLock({ connectionString: relay.url, connectionTimeoutMillis: 60_000 }, 'connecting-node', pino({ level: 'silent' }));
  const opening = lock.open();
  opening.catch(() => undefined);
  t.after(() => lock.cut());
  await waitUntil(() => relay.open() === 1, { what: 'the lock\'s connection to reach the relay' });
  return { lock, opening, relay };
}

/** Waits for `p` to settle (either way), failing the test after {@link END_WITHIN_MS}. */
function settles(p: Promise<unknown>, what: string): Promise<void> {
  return eventWithin<void>(END_WITHIN_MS, `${what} did not settle within ${END_WITHIN_MS} ms of a silent store`, (resolve) => {
    p.then(() => resolve(), () => resolve());
  });
}

test('cut ends an owner lock take still connecting to a silent store: the take fails at once, its connection closed', async (t) => {
  const { lock, opening, relay } = await connecting(t, 'owner_cut_connecting');
  lock.cut();
  await settles(opening, 'the take');
  await assert.rejects(opening);
  await waitUntil(() => relay.open() === 0, { what: 'the connection being made to be closed', timeoutMs: END_WITHIN_MS });
});

test('close ends an owner lock take still connecting to a silent store, and settles at once', async (t) => {
  const { lock, opening, relay } = await connecting(t, 'owner_close_connecting');
  await settles(lock.close(), 'the close');
  await settles(opening, 'the take');
  await assert.rejects(opening, { code: 'ISO8583_ERR_CONNECTOR_STORE' });
  await waitUntil(() => relay.open() === 0, { what: 'the connection being made to be closed', timeoutMs: END_WITHIN_MS });
});

test('cut ends the connection a close is making to end a hung session (a silent store): the close settles at once', async (t) => {
  const relay = await freezingRelay(cluster.createDatabase('owner_cut_end_hung'));
  t.after(() => relay.close());
  relay.freeze();
  const lock = new OwnerLock({ connectionString: relay.url, connectionTimeoutMillis: 60_000 }, 'hung-node', pino({ level: 'silent' }));
  t.after(() => lock.cut());
  // A session given up for not answering its ping (owner-lock.ts `ping`), left for the close to end.
  (lock as unknown as { hung: { pid: number; started: string } }).hung = { pid: 1, started: '0' };
  const closing = lock.close();
  await waitUntil(() => relay.open() === 1, { what: 'the close\'s connection to reach the relay' });
  lock.cut();
  await settles(closing, 'the close');
  await waitUntil(() => relay.open() === 0, { what: 'the connection being made to be closed', timeoutMs: END_WITHIN_MS });
});
