/**
 * A request's wait for its terminal is one `terminalQueue.timeout`: the wait in the node's own terminal queue (behind a
 * request of the same terminal on this node) and the wait for the terminal's PostgreSQL lock (held by a request on
 * another node) add up to it, not to twice it. The lock's wait once got a whole `waitTimeout` of its own after the
 * queue's wait had spent most of the timeout. The lock's own `waitTimeout` here is much longer than the queue's timeout
 * (as it was given whole, before: about 32 s), so that the bound checked (12 s, twice the 6 s waited now) holds with a
 * wide margin either side on a busy machine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import pg from 'pg';
import { PgTerminalLock, TERMINAL_LOCK_NAMESPACE, terminalLockKey } from '../src/index.js';
import { TerminalQueue } from '../src/terminal-queue.js';
import { terminalLocks } from './helpers/pg-owner-lock.js';

/** `terminalQueue.timeout` (ms). */
const TIMEOUT = 6000;
/** The lock's own `waitTimeout` (ms): what the lock's wait got whole before. */
const LOCK_WAIT = 30_000;
/** When the first request of T1 ends, after the second came (ms): a third of the timeout, the rest left for the lock. */
const FIRST_ENDS = 2000;

test('a request that waited in its node\'s terminal queue waits for its terminal\'s lock only what is left of terminalQueue.timeout', async (t) => {
  const cluster = await sharedPostgres();
  t.after(() => cluster.destroy());
  const url = cluster.createDatabase('terminal_lock_queue_wait');
  const node = new PgTerminalLock({ url, waitTimeout: LOCK_WAIT });
  const other = new PgTerminalLock({ url, waitTimeout: 60_000 });
  t.after(() => Promise.all([node.destroy(), other.destroy()]));
  const queue = new TerminalQueue(10, TIMEOUT, node);
  let endFirst = (): void => undefined;
  let firstHolds = (): void => undefined;
  const holding = new Promise<void>((resolve) => (firstHolds = resolve));
  const firstDone = queue.run('T1', () => new Promise<void>((resolve) => {
    endFirst = resolve;
    firstHolds();
  }));
  await holding; // this node's first request of T1 holds the terminal (its lock taken)
  let firstEnded = false;
  let firstEndedBeforeSecond = false;
  // A request of T1 on another node waits for the lock: it gets it as this node's first request unlocks.
  let endOther = (): void => undefined;
  const otherDone = other.hold('T1', () => new Promise<void>((resolve) => (endOther = resolve)));
  try {
    await waitUntil(async () => (await terminalLocks(url, false, 'T1')) > 0, { what: 'the other node to wait for T1' });
    // The second request of T1 is asked once the other node is seen waiting (the first still holds T1): the time it
    // waits in the queue does not include that polling.
    const asked = performance.now();
    const second = queue.run('T1', () => Promise.resolve('sent')).then(
      () => 'sent',
      (err: { code?: string; field?: string }) => `${err.code} ${err.field}`,
    ).finally(() => {
      firstEndedBeforeSecond = firstEnded;
    });
    // A third of the timeout passes in this node's queue (the first request of T1 ends then; the other node takes T1).
    // Should this timer run late on a busy machine, the request still fails by its timeout, only sooner in the lock.
    setTimeout(() => {
      firstEnded = true;
      endFirst();
    }, Math.max(0, FIRST_ENDS - (performance.now() - asked)));
    assert.equal(await second, 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT terminalQueue.timeout');
    // Else the request timed out in the queue and never waited for the lock (where the time was counted twice).
    assert.ok(firstEndedBeforeSecond, `the first request of T1 ended before the second settled (asked ${Math.round(performance.now() - asked)} ms ago: a busy machine, terminalQueue.timeout ${TIMEOUT} ms): the second did not reach the lock's wait`);
    const waited = performance.now() - asked;
    // Before: about 32 s (2 s in the queue, then the lock's whole 30 s); about 6 s now.
    assert.ok(waited < 2 * TIMEOUT, `the request waited ${Math.round(waited)} ms in all, terminalQueue.timeout ${TIMEOUT} ms`);
  } finally {
    endFirst();
    await firstDone;
    await waitUntil(async () => (await terminalLocks(url, true, 'T1')) > 0, { what: 'the other node to hold T1' }).catch(() => undefined);
    endOther();
    await otherDone.catch(() => undefined);
  }
});

test('what the terminal locks\' tests read of pg_locks is their own database\'s: a session of another database on the same server holding and waiting for the same terminal is not seen', async (t) => {
  const cluster = await sharedPostgres();
  t.after(() => cluster.destroy());
  const url = cluster.createDatabase('terminal_lock_own_database');
  const elsewhere = cluster.createDatabase('terminal_lock_other_database');
  const holder = new pg.Client({ connectionString: elsewhere });
  const waiter = new pg.Client({ connectionString: elsewhere });
  await holder.connect();
  await waiter.connect();
  const key = terminalLockKey('T1');
  await holder.query('SELECT pg_advisory_lock($1, $2)', [TERMINAL_LOCK_NAMESPACE, key]);
  const waiting = waiter.query('SELECT pg_advisory_lock($1, $2)', [TERMINAL_LOCK_NAMESPACE, key]);
  try {
    await waitUntil(async () => (await terminalLocks(elsewhere, false, 'T1')) > 0, { what: 'the other database\'s session to wait for T1' });
    assert.equal(await terminalLocks(elsewhere, true, 'T1'), 1, 'the other database sees its own lock held');
    assert.equal(await terminalLocks(url, false, 'T1'), 0, 'no session of this database waits for T1');
    assert.equal(await terminalLocks(url, true), 0, 'no terminal lock of this database is held');
  } finally {
    await holder.query('SELECT pg_advisory_unlock($1, $2)', [TERMINAL_LOCK_NAMESPACE, key]);
    await waiting;
    await Promise.all([holder.end(), waiter.end()]);
  }
});
