// A node gone silent (power lost, its network cut, its lock's connection hung: no FIN reaches the server) held its
// owner lock's session on the server until the system's TCP keepalive gave up (over 2 hours): the node restarted under
// a fixed owner name was refused as "another journal", and its owner was not found gone. The lock's session now asks
// the server for the terminal lock's keepalive (30 s, then 3 probes 10 s apart). A silent host cannot be made here (the
// kernel of a live relay answers the probes), so the settings of the lock's session, as the server holds them, are
// what is checked.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { TERMINAL_LOCK_KEEPALIVE } from '../src/pg/terminal-lock.js';
import { lockSession, sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

test('the owner lock\'s session asks the server for a TCP keepalive of 30 s, 3 probes 10 s apart (also once taken again)', async (t) => {
  const url = cluster.createDatabase('owner_lock_keepalive');
  const journal = new PgJournal({ url, lease: 600_000, owner: 'node-a' });
  t.after(() => journal.destroy());
  await journal.open();
  // The lock's own connection, as the journal holds it.
  const session = (): pg.Client => (journal as unknown as { ownerLock: { client: pg.Client } }).ownerLock.client;
  const settings = async (): Promise<Record<string, string>> => {
    const { rows } = await session().query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count', 'tcp_user_timeout') ORDER BY name",
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  };
  const expected = { tcp_keepalives_count: '3', tcp_keepalives_idle: '30', tcp_keepalives_interval: '10', tcp_user_timeout: '60000' };
  assert.deepEqual(TERMINAL_LOCK_KEEPALIVE, { idle: 30, interval: 10, count: 3 });
  assert.deepEqual(await settings(), expected);
  // Taken again on a new session (the first ended by the server): set there too.
  const first = await lockSession(url, 'node-a');
  await sql(url, 'SELECT pg_terminate_backend($1)', [first]);
  const lock = (journal as unknown as { ownerLock: { retake(): Promise<boolean> } }).ownerLock;
  const again = await waitUntil(async () => {
    await lock.retake().catch(() => false); // once the node saw its session end: taken again now
    const pid = await lockSession(url, 'node-a');
    return pid !== undefined && pid !== first ? pid : undefined;
  }, { what: 'the node to hold its lock again on a new session' });
  assert.notEqual(again, first);
  assert.deepEqual(await settings(), expected);
});
