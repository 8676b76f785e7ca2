/**
 * A node that goes silent (power lost, network cut: no FIN) holds its terminals' locks until the server ends its
 * sessions. Each connection of the terminal lock's pool asks the server for a short TCP keepalive, so that such a
 * session ends within about 60 s, not after the system's default (2 hours of silence, then 9 probes 75 s apart), every
 * request of those terminals on the other nodes refused meanwhile with ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT. A silent
 * host cannot be made here (the kernel of a live relay answers the probes), so the settings of the lock's sessions, as
 * the server holds them, are what is checked; with the lock's own `lock_timeout` beside them, which a server that
 * refuses the keepalive SETs (a PG-compatible one, a proxy) no longer takes away with them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgTerminalLock } from '../src/index.js';
import { TERMINAL_LOCK_KEEPALIVE } from '../src/pg/terminal-lock.js';
import { pgDriver } from '../src/pg/pool.js';
import { pino } from 'pino';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
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
          "SELECT name, setting FROM pg_settings WHERE name IN ('tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count', 'tcp_user_timeout', 'lock_timeout') ORDER BY name",
        );
        return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
      } finally {
        client.release();
      }
    });
    assert.deepEqual(TERMINAL_LOCK_KEEPALIVE, { idle: 30, interval: 10, count: 3 });
    assert.deepEqual(settings, { lock_timeout: '7000', tcp_keepalives_count: '3', tcp_keepalives_idle: '30', tcp_keepalives_interval: '10', tcp_user_timeout: '60000' });
  } finally {
    await lock.close();
  }
});

test('a server that refuses the keepalive SETs leaves lock_timeout in effect on the lock session, and is said once at debug', async () => {
  // A PG-compatible server or a proxy that refuses tcp_keepalives_*: the real server is asked for a setting it does not
  // know instead (SQLSTATE 42704), as such a server would refuse it.
  const client = pgDriver().Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = client.query;
  client.query = function (this: unknown, ...args: unknown[]): unknown {
    if (typeof args[0] === 'string' && args[0].includes('tcp_keepalives_idle')) args[0] = args[0].replace('tcp_keepalives_idle', 'iso8583_refused_setting');
    return query.apply(this, args);
  };
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const lock = new PgTerminalLock({ url: cluster.createDatabase('terminal_lock_keepalive_refused'), waitTimeout: 6000, logger });
  try {
    const shown = await lock.hold('TERM0002', async () => {
      // A second session of the pool, made while the first holds the lock: both refused their keepalive.
      const pool = await (lock as unknown as { pool: Promise<pg.Pool> }).pool;
      const session = await pool.connect();
      try {
        return (await session.query<{ lock_timeout: string }>('SHOW lock_timeout')).rows[0]?.lock_timeout;
      } finally {
        session.release();
      }
    });
    assert.equal(shown, '6s');
    const refused = lines.filter((l) => l.msg.startsWith('TCP keepalive not set'));
    assert.equal(refused.length, 1, JSON.stringify(lines));
    assert.equal(refused[0]?.level, 20);
  } finally {
    client.query = query;
    await lock.close();
  }
});

test('a server that refuses tcp_user_timeout (PostgreSQL before 12) keeps the keepalive set on the lock session, and is said once at debug', async () => {
  // The real server is asked for a setting it does not know instead (SQLSTATE 42704), as PostgreSQL 11 refuses it.
  const client = pgDriver().Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = client.query;
  client.query = function (this: unknown, ...args: unknown[]): unknown {
    if (typeof args[0] === 'string' && args[0].includes('tcp_user_timeout')) args[0] = args[0].replace('tcp_user_timeout', 'iso8583_refused_setting');
    return query.apply(this, args);
  };
  const lines: { level: number; msg: string; code?: string; cause?: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const lock = new PgTerminalLock({ url: cluster.createDatabase('terminal_lock_user_timeout_refused'), waitTimeout: 6000, logger });
  try {
    const shown = await lock.hold('TERM0003', async () => {
      // A second session of the pool, made while the first holds the lock: both refused the user timeout.
      const pool = await (lock as unknown as { pool: Promise<pg.Pool> }).pool;
      const session = await pool.connect();
      try {
        return (await session.query<{ tcp_keepalives_idle: string }>('SHOW tcp_keepalives_idle')).rows[0]?.tcp_keepalives_idle;
      } finally {
        session.release();
      }
    });
    assert.equal(shown, '30');
    const refused = lines.filter((l) => l.msg.startsWith('TCP user timeout not set'));
    assert.equal(refused.length, 1, JSON.stringify(lines));
    assert.equal(refused[0]?.level, 20);
    // The SQLSTATE in `cause`: `code` is for ISO8583_* codes only (sr66g).
    assert.deepEqual({ code: refused[0]?.code, cause: refused[0]?.cause }, { code: undefined, cause: '42704' });
    assert.equal(lines.filter((l) => l.msg.startsWith('TCP keepalive not set')).length, 0, JSON.stringify(lines));
  } finally {
    client.query = query;
    await lock.close();
  }
});
