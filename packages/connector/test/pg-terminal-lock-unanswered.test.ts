/**
 * A terminal's lock asked for (`pg_advisory_lock` with its own `lock_timeout`) on a store that stops answering right
 * then (a frozen relay: the statement never reaches the server, nothing is closed): the server cannot end the wait, so
 * the client must. Its bound was the pool's statement timeout (`waitTimeout` + 5 s, 35 s by default) whatever the
 * request had left of `terminalQueue.timeout`: a request with 600 ms left held its connection, and its caller, 35 s.
 * It is what is left of the request's wait and a short margin now, the connection dropped (never put back). And a
 * request whose outcome is known as the store stops answering gets it at once: its unlock (bounded the same 35 s) held
 * the bank's answer until it gave up.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freezingRelay, sharedPostgres, waitUntil, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgTerminalLock } from '../src/index.js';

/** What is left of the request's `terminalQueue.timeout` when it asks for the lock (ms). */
const LEFT = 600;

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('a lock asked for on a store that stops answering fails within what is left of the request\'s wait (and a margin), not waitTimeout + 5 s; its connection is dropped', async (t) => {
  const url = cluster.createDatabase('terminal_lock_unanswered');
  const relay = await freezingRelay(url);
  t.after(() => relay.close());
  // waitTimeout left at its default (30 s): the old bound was 35 s.
  const lock = new PgTerminalLock({ url: relay.url, max: 1 });
  t.after(() => lock.destroy());
  // Warm: the pool's connection made, its session settings answered.
  assert.equal(await lock.hold('TERM0001', () => Promise.resolve('sent')), 'sent');
  relay.freezeOn('pg_advisory_lock(');
  let ran = false;
  const asked = performance.now();
  const held = lock.hold('TERM0001', () => {
    ran = true;
    return Promise.resolve('sent');
  }, LEFT);
  held.catch(() => undefined);
  await relay.frozen;
  // Bounded here well below the old 35 s, well above LEFT and the margin, for a busy machine.
  const err = await within(held.then(() => undefined, (e: unknown) => e), 10_000, 'the lock\'s request to fail');
  const waited = performance.now() - asked;
  assert.equal(ran, false);
  assert.equal((err as { code?: string }).code, 'ISO8583_ERR_CONNECTOR_STORE');
  assert.ok(waited < 10_000, `failed after ${Math.round(waited)} ms (${LEFT} ms left of its wait)`);
  // The connection that sent the unanswered statement is dropped, never put back for the next request.
  await waitUntil(() => relay.open() === 0, { what: 'the frozen connection to be closed', timeoutMs: 5_000 });
});

test('a request whose outcome is known while the store stops answering gets it at once: the unlock does not hold it (waitTimeout + 5 s before); its connection is dropped', async (t) => {
  const url = cluster.createDatabase('terminal_lock_unlock_unanswered');
  const relay = await freezingRelay(url);
  t.after(() => relay.close());
  const lock = new PgTerminalLock({ url: relay.url, max: 1 });
  t.after(() => lock.destroy());
  // The bank answered; the store stops answering as the request ends (its unlock never reaches the server).
  const outcome = lock.hold('TERM0001', () => {
    relay.freezeOn('pg_advisory_unlock(');
    return Promise.resolve('approved');
  });
  assert.equal(await within(outcome, 10_000, 'the request\'s outcome'), 'approved');
  await relay.frozen;
  // The unlock's connection is not put back: it is dropped once its statement's bound passes, or cut by destroy.
  await lock.destroy();
  await waitUntil(() => relay.open() === 0, { what: 'every connection to the store closed', timeoutMs: 5_000 });
});
