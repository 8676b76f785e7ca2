/**
 * A PostgreSQL-compatible server, or a proxy, that refuses `lock_timeout` (SQLSTATE 42704 or 0A000): the terminal
 * lock's statement that sets it failed every lock. A relay here answers that statement with the refusal (never
 * sent to the server); the lock falls back to the plain statement, once for the pool, and the terminal is locked.
 * That plain wait honours the budget the request gave it (what is left of its `terminalQueue.timeout`): it waited
 * for the session's `lock_timeout` (the whole `waitTimeout`), else the statement timeout, whatever was left. A request
 * given up leaves no server backend waiting for the lock: a blocking `pg_advisory_lock` given up on the client went on
 * waiting on the server (one backend more past the pool's `max` for each request given up).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createConnection, createServer } from 'node:net';
import type { Socket } from 'node:net';
import pg from 'pg';
import { pino } from 'pino';
import { sharedPostgres, waitUntil, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgTerminalLock } from '../src/index.js';
import { TERMINAL_LOCK_NAMESPACE, terminalLockKey } from '../src/pg/terminal-lock.js';
import { refusesLockTimeout } from '../src/pg/terminal-lock-sql.js';
import { sql, terminalLocks } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** An ErrorResponse of SQLSTATE `code`, then ReadyForQuery (idle). */
function refusal(code: string): Buffer {
  const fields = Buffer.from(`SERROR\0VERROR\0C${code}\0Munrecognized configuration parameter "lock_timeout"\0\0`);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields, Buffer.from([0x5a, 0, 0, 0, 5, 0x49])]);
}

/** A relay to `target` that refuses, with `code`, each statement setting `lock_timeout` by `set_config`; counts them, and the connections made. */
async function refusingRelay(target: string, code: string): Promise<{ url: string; refused: () => number; made: () => number; holdTries(): void; passTries(): void; triesHeld: () => number; close(): Promise<void> }> {
  const to = new URL(target);
  const [host, dbPort] = [to.hostname, Number(to.port)];
  const sockets = new Set<Socket>();
  let refused = 0;
  let made = 0;
  // While set, each try of the lock (pg_try_advisory_lock) waits here, unsent, until passTries.
  let held: Array<() => void> | undefined;
  let triesHeld = 0;
  const server = createServer((client) => {
    made++;
    const db = createConnection(dbPort, host);
    sockets.add(client).add(db);
    for (const s of [client, db]) s.on('error', () => undefined);
    client.on('close', () => db.destroy());
    db.on('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      // node-postgres sends a statement's Parse .. Sync in one write.
      if (chunk.includes("set_config('lock_timeout'")) {
        refused++;
        client.write(refusal(code));
        return;
      }
      if (held !== undefined && chunk.includes('pg_try_advisory_lock')) {
        triesHeld++;
        held.push(() => db.write(chunk));
        return;
      }
      db.write(chunk);
    });
    db.on('data', (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  to.host = `127.0.0.1:${port}`;
  return {
    url: to.toString(),
    refused: () => refused,
    made: () => made,
    holdTries: () => {
      held ??= [];
    },
    passTries: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const send of waiting) send();
    },
    triesHeld: () => triesHeld,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('refusesLockTimeout: an unknown parameter (42704) or a feature not supported (0A000) only', () => {
  assert.equal(refusesLockTimeout({ code: '42704' }), true);
  assert.equal(refusesLockTimeout({ code: '0A000' }), true);
  assert.equal(refusesLockTimeout({ code: '55P03' }), false);
  assert.equal(refusesLockTimeout({ code: '57P01' }), false);
  assert.equal(refusesLockTimeout(new Error('Connection terminated')), false);
  assert.equal(refusesLockTimeout(undefined), false);
});

for (const code of ['42704', '0A000']) {
  test(`a server that refuses lock_timeout (${code}): the terminal is locked by the plain statement, the refusal met once`, async (t) => {
    const url = cluster.createDatabase(`terminal_lock_refused_${code.toLowerCase()}`);
    const relay = await refusingRelay(url, code);
    const lines: { msg: string; code?: string; cause?: string }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
    const lock = new PgTerminalLock({ url: relay.url, waitTimeout: 7000, max: 1, logger });
    t.after(async () => {
      await lock.destroy();
      await relay.close();
    });
    const held = async (): Promise<number> =>
      lock.hold('TERM0001', () => terminalLocks(url, true));
    assert.equal(await held(), 1, 'the terminal is locked');
    assert.equal(await held(), 1, 'and again');
    assert.equal(relay.refused(), 1, 'the refusal is remembered for the pool');
    // Said once, with its ISO8583 code; the SQLSTATE in `cause` (sr66g).
    const said = lines.filter((l) => l.msg.startsWith('lock_timeout refused by the server'));
    assert.deepEqual(said.map((l) => ({ code: l.code, cause: l.cause })), [{ code: 'ISO8583_WARN_TERMINAL_LOCK_SETTING', cause: code }], JSON.stringify(lines));
  });
}

/**
 * A lock (`max` 1, `waitTimeout` 60 s) behind a relay whose server refuses `lock_timeout`, and another node's session
 * (`other`, straight to the database `name` made for the test) holding TERM0001's lock: the terminal busy elsewhere.
 */
async function busyTerminal(t: { after(fn: () => Promise<void>): void }, name: string): Promise<{ url: string; relay: Awaited<ReturnType<typeof refusingRelay>>; lock: PgTerminalLock; other: pg.Client }> {
  const url = cluster.createDatabase(name);
  const relay = await refusingRelay(url, '42704');
  const lock = new PgTerminalLock({ url: relay.url, waitTimeout: 60_000, max: 1 });
  const other = new pg.Client({ connectionString: url });
  t.after(async () => {
    await other.end().catch(() => undefined);
    await lock.destroy();
    await relay.close();
  });
  await other.connect();
  await other.query('SELECT pg_advisory_lock($1, $2)', [TERMINAL_LOCK_NAMESPACE, terminalLockKey('TERM0001')]);
  return { url, relay, lock, other };
}

test('a server that refuses lock_timeout: the plain lock gives up once the budget it was given is spent, not after waitTimeout', async (t) => {
  const { url, relay, lock, other } = await busyTerminal(t, 'terminal_lock_refused_budget');
  let ran = false;
  const waiting = assert.rejects(
    lock.hold('TERM0001', async () => (ran = true), 300),
    (err: Error & { code?: string; field?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT');
      assert.equal(err.field, 'terminalQueue.timeout');
      assert.match((err.cause as Error).message, /the wait for the terminal lock(, held by another session,)? passed/, 'the cause names the lock\'s wait, not a connection\'s');
      return true;
    },
  );
  // Far below the 60 s of waitTimeout, with room for a busy machine.
  await within(waiting, 10_000, 'the plain lock to give up once its 300 ms budget is spent, not after waitTimeout (60 s)');
  assert.equal(ran, false, 'the request did not run without its terminal\'s lock');
  assert.equal(relay.refused(), 1);
  // The server waits no more for that lock either (a backend blocked on a lock does not read its socket).
  await waitUntil(async () => (await terminalLocks(url, false)) === 0, { what: 'no terminal lock left waiting on the server once the request was given up', timeoutMs: 5000 });
  // Free again: the next request of the terminal takes its lock (on the connection kept: its session was clean).
  await other.query('SELECT pg_advisory_unlock($1, $2)', [TERMINAL_LOCK_NAMESPACE, terminalLockKey('TERM0001')]);
  assert.equal(await lock.hold('TERM0001', async () => 'locked'), 'locked');
});

test('a server that refuses lock_timeout: five requests given up with max 1 leave at most one backend of the pool, and reuse one connection', async (t) => {
  const { url, relay, lock, other } = await busyTerminal(t, 'terminal_lock_refused_backends');
  for (let i = 1; i <= 5; i++) {
    await within(
      assert.rejects(lock.hold('TERM0001', async () => 'ran', 200), { code: 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT' }),
      10_000,
      `request ${i} to give up once its 200 ms are spent`,
    );
  }
  // Sessions of the database other than `other`'s and the one counting: the pool's (at most `max`).
  const backends = async (): Promise<number> => {
    const rows = await sql<{ n: number }>(url, 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> $1', [
      (other as pg.Client & { processID: number }).processID,
    ]);
    return rows[0]?.n ?? 0;
  };
  await waitUntil(async () => (await backends()) <= 1, { what: 'at most one backend (the pool\'s max) after five requests given up', timeoutMs: 5000 });
  assert.equal(await terminalLocks(url, false), 0, 'no session waits for the terminal\'s lock');
  // Each gave up after a try that found the lock held (no statement under way): its session clean, kept.
  assert.equal(relay.made(), 1, 'one connection for the five requests given up');
});

test('a server that refuses lock_timeout: a request waiting for its terminal takes the lock once the other node frees it', async (t) => {
  const { url, relay, lock, other } = await busyTerminal(t, 'terminal_lock_refused_freed');
  const key = terminalLockKey('TERM0001');
  let ran = false;
  const granted = terminalLocks(url, true, 'TERM0001');
  const holding = lock.hold('TERM0001', async () => {
    ran = true;
    return terminalLocks(url, true);
  });
  // The request is trying (its connection made, its lock not granted) while the other node holds the terminal.
  await waitUntil(async () => relay.refused() === 1, { what: 'the request to fall back to trying the lock', timeoutMs: 10_000 });
  assert.equal(await granted, 1);
  assert.equal(ran, false, 'the request does not run while another node holds its terminal');
  await other.query('SELECT pg_advisory_unlock($1, $2)', [TERMINAL_LOCK_NAMESPACE, key]);
  assert.equal(await within(holding, 10_000, 'the request to take the lock freed'), 1, 'it ran holding the terminal\'s lock, alone');
});

test('a server that refuses lock_timeout: a try answered after the request gave up keeps its connection, and a lock it was granted is freed', async (t) => {
  const { url, relay, lock, other } = await busyTerminal(t, 'terminal_lock_refused_late_try');
  // The first request learns the refusal and takes the connection; its tries are answered (the terminal busy).
  await within(assert.rejects(lock.hold('TERM0001', async () => 'ran', 200), { code: 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT' }), 10_000, 'the first request to give up');
  // Now a try goes unanswered past the request's wait: the request gives up on time all the same.
  relay.holdTries();
  let ran = false;
  await within(
    assert.rejects(lock.hold('TERM0001', async () => (ran = true), 200), (err: Error & { code?: string; field?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT');
      assert.equal(err.field, 'terminalQueue.timeout');
      assert.match((err.cause as Error).message, /passed while a try was under way/);
      return true;
    }),
    10_000,
    'the request whose try is unanswered to give up once its 200 ms are spent',
  );
  assert.equal(relay.triesHeld(), 1, 'one try was under way when the request gave up');
  // The terminal is freed before the late try reaches the server: the try is granted, after the request gave up.
  await other.query('SELECT pg_advisory_unlock($1, $2)', [TERMINAL_LOCK_NAMESPACE, terminalLockKey('TERM0001')]);
  relay.passTries();
  await waitUntil(async () => (await terminalLocks(url, true)) === 0, { what: 'the lock granted to the late try freed', timeoutMs: 10_000 });
  assert.equal(ran, false, 'the request given up never ran');
  // The connection went back to the pool clean: the next request takes the lock on it.
  assert.equal(await lock.hold('TERM0001', async () => terminalLocks(url, true)), 1);
  assert.equal(relay.made(), 1, 'one connection: the late try did not cost it');
  // Unlocked once: a late grant left on the session would stack under this request's lock and outlive its unlock.
  await waitUntil(async () => (await terminalLocks(url, true)) === 0, { what: 'no lock left on the pool\'s session after the last request', timeoutMs: 10_000 });
});
