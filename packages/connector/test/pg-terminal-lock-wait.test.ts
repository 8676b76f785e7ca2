/**
 * A request's wait for its terminal's lock is bounded by `waitTimeout` as a whole: the wait for a free connection of
 * the node's lock pool counts. A request that waited most of it for a connection (every one held by requests of other
 * terminals) then waited a whole `waitTimeout` more for a lock another node holds (twice the option, in all).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPostgres } from '@iso8583/test-support';
import { PgTerminalLock } from '../src/index.js';

const WAIT = 4000;

test('a request that waited for a free connection waits for its terminal\'s lock only what is left of waitTimeout', async (t) => {
  const cluster = await startPostgres();
  t.after(() => cluster.destroy());
  const url = cluster.createDatabase('terminal_lock_wait');
  const node = new PgTerminalLock({ url, max: 1, waitTimeout: WAIT });
  const other = new PgTerminalLock({ url, waitTimeout: WAIT });
  t.after(() => Promise.all([node.destroy(), other.destroy()]));
  let endOther = (): void => undefined;
  let otherHolds = (): void => undefined;
  const held = new Promise<void>((resolve) => (otherHolds = resolve));
  const otherDone = other.hold('T2', () => new Promise<void>((resolve) => {
    endOther = resolve;
    otherHolds();
  }));
  await held; // another node's request holds terminal T2
  let endFirst = (): void => undefined;
  let firstHolds = (): void => undefined;
  const first = new Promise<void>((resolve) => (firstHolds = resolve));
  const firstDone = node.hold('T1', () => new Promise<void>((resolve) => {
    endFirst = resolve;
    firstHolds();
  }));
  await first; // this node's one connection is taken
  const asked = performance.now();
  const second = node.hold('T2', () => Promise.resolve('sent')).then(
    () => 'locked',
    (err: { code?: string }) => err.code,
  );
  // Most of the wait passes before a connection is free (the request of T1 ends then).
  setTimeout(endFirst, WAIT - 1000);
  try {
    assert.equal(await second, 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT');
    const waited = performance.now() - asked;
    // Twice the wait before: 7 s here (3 s for the connection, then 4 s for the lock); about 4 s now.
    assert.ok(waited < WAIT + 2000, `the request waited ${Math.round(waited)} ms in all, waitTimeout ${WAIT} ms`);
  } finally {
    endOther();
    await Promise.all([firstDone, otherDone]);
  }
});

test('a request for which no connection of the lock\'s pool comes free within waitTimeout fails as a queue timeout (terminalQueue.timeout), not as a store failure', async (t) => {
  const cluster = await startPostgres();
  t.after(() => cluster.destroy());
  const url = cluster.createDatabase('terminal_lock_busy');
  const node = new PgTerminalLock({ url, max: 1, waitTimeout: 500 });
  t.after(() => node.destroy());
  let endFirst = (): void => undefined;
  let firstHolds = (): void => undefined;
  const first = new Promise<void>((resolve) => (firstHolds = resolve));
  const firstDone = node.hold('T1', () => new Promise<void>((resolve) => {
    endFirst = resolve;
    firstHolds();
  }));
  await first; // the node's one connection is taken, for as long as the test needs
  try {
    await assert.rejects(node.hold('T2', () => Promise.resolve()), (err: { code?: string; field?: string; message?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT');
      assert.equal(err.field, 'terminalQueue.timeout');
      assert.match(err.message ?? '', /all 1 held by requests of other terminals/);
      return true;
    });
  } finally {
    endFirst();
    await firstDone;
  }
});
