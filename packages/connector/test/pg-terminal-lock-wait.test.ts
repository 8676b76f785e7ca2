/**
 * A request's wait for its terminal's lock is bounded by `waitTimeout` as a whole: the wait for a free connection of
 * the node's lock pool counts. A request that waited most of it for a connection (every one held by requests of other
 * terminals) then waited a whole `waitTimeout` more for a lock another node holds (twice the option, in all).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgTerminalLock } from '../src/index.js';

const WAIT = 4000;

// The process's shared server (sharedPostgres): each test has its own database (a terminal's advisory lock is the
// database's own, and `statement_timeout` is set for one database).
let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/**
 * A request of `terminal` that holds its lock (and the connection it took) until `end()`: resolves once it holds it;
 * `done` settles when the hold has ended.
 */
async function holding(lock: PgTerminalLock, terminal: string): Promise<{ end: () => void; done: Promise<unknown> }> {
  let end = (): void => undefined;
  let holds = (): void => undefined;
  const held = new Promise<void>((resolve) => (holds = resolve));
  const done = lock.hold(terminal, () => new Promise<void>((resolve) => {
    end = resolve;
    holds();
  }));
  await held;
  return { end, done };
}

test('a request that waited for a free connection waits for its terminal\'s lock only what is left of waitTimeout', async (t) => {
  const url = cluster.createDatabase('terminal_lock_wait');
  const node = new PgTerminalLock({ url, max: 1, waitTimeout: WAIT });
  const other = new PgTerminalLock({ url, waitTimeout: WAIT });
  t.after(() => Promise.all([node.destroy(), other.destroy()]));
  const otherRequest = await holding(other, 'T2'); // another node's request holds terminal T2
  const first = await holding(node, 'T1'); // this node's one connection is taken
  const asked = performance.now();
  const second = node.hold('T2', () => Promise.resolve('sent')).then(
    () => 'locked',
    (err: { code?: string }) => err.code,
  );
  // Most of the wait passes before a connection is free (the request of T1 ends then).
  setTimeout(first.end, WAIT - 1000);
  try {
    assert.equal(await second, 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT');
    const waited = performance.now() - asked;
    // Twice the wait before: 7 s here (3 s for the connection, then 4 s for the lock); about 4 s now.
    assert.ok(waited < WAIT + 2000, `the request waited ${Math.round(waited)} ms in all, waitTimeout ${WAIT} ms`);
  } finally {
    otherRequest.end();
    await Promise.all([first.done, otherRequest.done]);
  }
});

test('a request for which no connection of the lock\'s pool comes free within waitTimeout fails as a queue timeout (terminalQueue.timeout), not as a store failure', async (t) => {
  const url = cluster.createDatabase('terminal_lock_busy');
  const node = new PgTerminalLock({ url, max: 1, waitTimeout: 500 });
  t.after(() => node.destroy());
  const first = await holding(node, 'T1'); // the node's one connection is taken, for as long as the test needs
  try {
    await assert.rejects(node.hold('T2', () => Promise.resolve()), (err: { code?: string; field?: string; message?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT');
      assert.equal(err.field, 'terminalQueue.timeout');
      assert.match(err.message ?? '', /all 1 held by requests of other terminals/);
      return true;
    });
  } finally {
    first.end();
    await first.done;
  }
});

test('a database statement_timeout shorter than the wait (ALTER DATABASE ... SET statement_timeout) does not end a busy terminal\'s wait early: a queue timeout once the wait is over, not a store error', async (t) => {
  const url = cluster.createDatabase('terminal_lock_statement_timeout');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${new URL(url).pathname.slice(1)} SET statement_timeout = '300ms'`);
  await admin.end();
  const wait = 1500;
  const node = new PgTerminalLock({ url, waitTimeout: wait });
  const other = new PgTerminalLock({ url, waitTimeout: wait });
  t.after(() => Promise.all([node.destroy(), other.destroy()]));
  const otherRequest = await holding(other, 'T1'); // another node's request holds terminal T1 throughout
  try {
    const asked = performance.now();
    const outcome = await node.hold('T1', () => Promise.resolve('locked')).then(
      (v) => v,
      (err: { code?: string; cause?: { code?: string } }) => `${err.code} (${err.cause?.code})`,
    );
    const waited = performance.now() - asked;
    // Before: ISO8583_ERR_CONNECTOR_STORE (57014) after 300 ms, the database's statement timeout.
    assert.equal(outcome, 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT (55P03)');
    assert.ok(waited >= wait - 100, `waited ${Math.round(waited)} ms of its ${wait} ms`);
  } finally {
    otherRequest.end();
    await otherRequest.done;
  }
});
