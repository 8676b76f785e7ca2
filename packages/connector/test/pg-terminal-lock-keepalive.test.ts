/**
 * A node that goes silent (power lost, network cut: no FIN) holds its terminals' locks until the server ends its
 * sessions. Each connection of the terminal lock's pool asks the server for a short TCP keepalive, so that such a
 * session ends within about 60 s, not after the system's default (2 hours of silence, then 9 probes 75 s apart), every
 * request of those terminals on the other nodes refused meanwhile with ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT. A silent
 * host cannot be made here (the kernel of a live relay answers the probes), so the settings of the lock's sessions, as
 * the server holds them, are what is checked; with the lock's own `lock_timeout` beside them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { startPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgTerminalLock } from '../src/index.js';
import { TERMINAL_LOCK_KEEPALIVE } from '../src/pg/terminal-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

test('each session of the terminal lock asks the server for a TCP keepalive of 30 s, 3 probes 10 s apart, and keeps its lock_timeout', async () => {
  const lock = new PgTerminalLock({ url: cluster.createDatabase('terminal_lock_keepalive'), waitTimeout: 7000 });
  try {
    const settings = await lock.hold('TERM0001', async () => {
      // Another session of the same pool, made while the first holds TERM0001: each is set up alike when made.
      const pool = await (lock as unknown as { pool: Promise<pg.Pool> }).pool;
      const client = await pool.connect();
      try {
        const { rows } = await client.query<{ name: string; setting: string }>(
          "SELECT name, setting FROM pg_settings WHERE name IN ('tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count', 'lock_timeout') ORDER BY name",
        );
        return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
      } finally {
        client.release();
      }
    });
    assert.deepEqual(TERMINAL_LOCK_KEEPALIVE, { idle: 30, interval: 10, count: 3 });
    assert.deepEqual(settings, { lock_timeout: '7000', tcp_keepalives_count: '3', tcp_keepalives_idle: '30', tcp_keepalives_interval: '10' });
  } finally {
    await lock.close();
  }
});
