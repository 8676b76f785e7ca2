/**
 * A request that waited too long for its terminal, busy on another node, gives its connection back to the lock's pool
 * when the server's session is known clean: the server ended the wait itself (SQLSTATE 55P03, `lock_timeout`), so
 * nothing is granted and nothing waits. It destroyed the connection after every failed lock: a new connection (a TCP
 * and start-up round trip, a new server backend) for each request of a busy terminal that timed out. Connections made
 * are counted by a relay in front of the server.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createConnection, createServer } from 'node:net';
import type { Socket } from 'node:net';
import pg from 'pg';
import { sharedPostgres, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgTerminalLock } from '../src/index.js';
import { TERMINAL_LOCK_NAMESPACE, terminalLockKey } from '../src/pg/terminal-lock.js';
import { terminalLocks } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** A relay to `target` that passes everything on and counts the connections made through it. */
async function countingRelay(target: string): Promise<{ url: string; made: () => number; close(): Promise<void> }> {
  const to = new URL(target);
  const [host, dbPort] = [to.hostname, Number(to.port)];
  const sockets = new Set<Socket>();
  let made = 0;
  const server = createServer((client) => {
    made++;
    const db = createConnection(dbPort, host);
    sockets.add(client).add(db);
    for (const s of [client, db]) s.on('error', () => undefined);
    client.on('close', () => db.destroy());
    db.on('close', () => client.destroy());
    client.pipe(db);
    db.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  to.host = `127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  return {
    url: to.toString(),
    made: () => made,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('requests of a terminal busy on another node that time out by lock_timeout (55P03) reuse one connection, and the terminal is locked on it once free', async (t) => {
  const url = cluster.createDatabase('terminal_lock_reuse');
  const relay = await countingRelay(url);
  const lock = new PgTerminalLock({ url: relay.url, waitTimeout: 60_000, max: 1 });
  const other = new pg.Client({ connectionString: url });
  t.after(async () => {
    await other.end().catch(() => undefined);
    await lock.destroy();
    await relay.close();
  });
  await other.connect();
  const key = terminalLockKey('TERM0001');
  await other.query('SELECT pg_advisory_lock($1, $2)', [TERMINAL_LOCK_NAMESPACE, key]);
  let ran = 0;
  for (let i = 1; i <= 5; i++) {
    await within(
      assert.rejects(lock.hold('TERM0001', async () => ran++, 200), (err: Error & { code?: string; cause?: { code?: string } }) => {
        assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT');
        assert.equal(err.cause?.code, '55P03', 'the server ended the wait (lock_timeout)');
        return true;
      }),
      10_000,
      `request ${i} to give up once its 200 ms are spent`,
    );
  }
  assert.equal(ran, 0, 'no request ran without its terminal\'s lock');
  assert.equal(relay.made(), 1, 'one connection for the five requests that timed out');
  await other.query('SELECT pg_advisory_unlock($1, $2)', [TERMINAL_LOCK_NAMESPACE, key]);
  const granted = await lock.hold('TERM0001', () => terminalLocks(url, true, 'TERM0001'));
  assert.equal(granted, 1, 'the request ran holding its terminal\'s lock');
  assert.equal(relay.made(), 1, 'on the same connection');
});
