/**
 * Every wait of a request for its terminal's PostgreSQL lock is bounded by what is left of its `terminalQueue.timeout`:
 * a request whose turn in the node's queue came with nothing left fails (it once went on to try the lock, with a
 * `lock_timeout` of 1 ms, and ran), and its wait for a connection of the lock's pool gets no more than what is left
 * either (it once got the whole `waitTimeout`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgTerminalLock } from '../src/index.js';
import type { TerminalLock } from '../src/index.js';
import { TerminalQueue } from '../src/terminal-queue.js';

// The process's shared server (sharedPostgres): each test has its own database, whose tables and advisory locks
// are its own.
let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** The outcome of `run`: `sent`, or the error's code and field. */
function outcome(run: Promise<unknown>): Promise<string> {
  return run.then(
    () => 'sent',
    (err: { code?: string; field?: string }) => `${err.code} ${err.field}`,
  );
}

test('a request whose turn comes with nothing left of terminalQueue.timeout fails, its task never run', async (t) => {
  const node = new PgTerminalLock({ url: cluster.createDatabase('terminal_lock_budget_spent'), waitTimeout: 10_000 });
  t.after(() => node.destroy());
  const TIMEOUT = 1000;
  // The real lock; the first hold, once done, blocks the loop past TIMEOUT (a long GC pause, a CPU-bound handler):
  // the second request's turn then comes before its wait's timer can run.
  let stalled = false;
  const stalling: TerminalLock = {
    async hold(terminal, task, wait) {
      const result = await node.hold(terminal, task, wait);
      if (!stalled) {
        stalled = true;
        const until = performance.now() + TIMEOUT + 100;
        while (performance.now() < until);
      }
      return result;
    },
    close: () => node.close(),
  };
  const queue = new TerminalQueue(10, TIMEOUT, stalling);
  const first = outcome(queue.run('T1', () => Promise.resolve()));
  let ran = false;
  const second = outcome(queue.run('T1', () => {
    ran = true;
    return Promise.resolve();
  }));
  assert.equal(await first, 'sent');
  assert.equal(await second, 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT terminalQueue.timeout');
  assert.equal(stalled, true);
  assert.equal(ran, false, 'the request whose timeout was spent did not run');
});

test('the wait for a connection of the lock\'s pool is bounded by what is left of terminalQueue.timeout, not waitTimeout', async (t) => {
  // One connection, held by a request of another terminal; a lock wait of 60 s (the pool's connection wait too).
  const node = new PgTerminalLock({ url: cluster.createDatabase('terminal_lock_budget_connection'), waitTimeout: 60_000, max: 1 });
  t.after(() => node.destroy());
  const TIMEOUT = 1000;
  const queue = new TerminalQueue(10, TIMEOUT, node);
  let endFirst = (): void => undefined;
  let firstHolds = (): void => undefined;
  const holding = new Promise<void>((resolve) => (firstHolds = resolve));
  const first = queue.run('T1', () => new Promise<void>((resolve) => {
    endFirst = resolve;
    firstHolds();
  }));
  await holding;
  try {
    const second = outcome(queue.run('T2', () => Promise.resolve()));
    // Before: up to the pool's 60 s connection wait.
    const got = await within(second, 20_000, 'the request of T2 to end within 20 s (terminalQueue.timeout 1 s)');
    assert.equal(got, 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT terminalQueue.timeout');
  } finally {
    endFirst();
    await first;
  }
});
