// A node that stalls after its attempt's record committed (paused, swapped out, the database's answer held up on the
// way) may find, when it wakes, that its lease ended meanwhile and another node took the entry over and sent it. Its
// attempt must then fail (ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST) rather than resolve: the SAF queue writes the
// message to the bank as soon as `attempt` resolves, so two nodes would send the same reversal.
import assert from 'node:assert/strict';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** A TCP proxy to the database whose answers (server to client) can be held back, then let through in order. */
interface HoldingProxy {
  url: string;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

async function holdingProxy(target: string): Promise<HoldingProxy> {
  const to = new URL(target);
  let holding = false;
  const held: { socket: Socket; chunk: Buffer }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const db = createConnection(Number(to.port), to.hostname);
    sockets.add(client).add(db);
    client.on('error', () => db.destroy());
    db.on('error', () => client.destroy());
    client.on('close', () => db.destroy());
    db.on('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => db.write(chunk));
    db.on('data', (chunk: Buffer) => {
      if (holding) held.push({ socket: client, chunk });
      else client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = new URL(target);
  url.port = String(typeof address === 'object' && address !== null ? address.port : 0);
  return {
    url: url.toString(),
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const { socket, chunk } of held.splice(0)) socket.write(chunk);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A pool of `size` connections through `url`, all made now (each connected, then handed back): a connection made while
 * the proxy holds the database's answers would never finish its start-up.
 */
async function openPool(url: string, size: number): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: size });
  const clients = await Promise.all(Array.from({ length: size }, () => pool.connect()));
  for (const client of clients) client.release();
  return pool;
}

/**
 * A database named `name` and two nodes' journals on it (lease 1500 ms): `stalled`, whose connections (4, all made now)
 * go through a proxy that can hold the database's answers, and `other`, straight to it; `check` reads the table. Made
 * before the answers are held: the attempt's statement must reach the database (a connection made while they are held
 * would never finish its start-up), whichever of them the lease renewal takes meanwhile. Closed after the test.
 */
async function stallingPair(t: { after(fn: () => Promise<void>): void }, name: string) {
  const url = cluster.createDatabase(name);
  const proxy = await holdingProxy(url);
  const check = new pg.Pool({ connectionString: url });
  const pool = await openPool(proxy.url, 4);
  const stalled = new PgJournal({ pool, lease: 1500, owner: 'stalled-node' });
  const other = new PgJournal({ url, lease: 1500, owner: 'other-node' });
  t.after(async () => {
    proxy.release();
    await Promise.all([stalled.close(), other.close()]);
    await Promise.all([check.end(), pool.end()]);
    await proxy.close();
  });
  return { proxy, check, stalled, other };
}

/** The entries `journal` claims once it claims any (the other node taking them over), waited for. */
function takenOver(journal: PgJournal): Promise<JournalEntry[]> {
  return waitUntil(
    async () => {
      const claimed = await journal.claim();
      return claimed.length > 0 ? claimed : undefined;
    },
    { what: 'the other node to take the entry over' },
  );
}

function entry(id: string): JournalEntry {
  return { id, reversal: { '0': '0400', '2': '4761739001010010', '4': '000000001000', '11': '000001' }, at: Date.now() };
}

test('PgJournal: an attempt whose record comes back after the lease ended (the node stalled) is refused, not sent: the node that took the entry over is the only one to send it', async (t) => {
  const { proxy, check, stalled, other } = await stallingPair(t, 'lease_stall');
  await stalled.open();
  await stalled.add(entry('s1'));
  assert.deepEqual(await other.open(), [], 'held by the first node while its lease runs');

  // The record of attempt 1 commits, but its answer does not reach the node until after the lease has ended.
  proxy.hold();
  const attempt = stalled.attempt('s1', 1);
  attempt.catch(() => undefined);
  await waitUntil(async () => (await check.query<{ attempts: number }>("SELECT attempts FROM iso8583_saf WHERE id = 's1'")).rows[0]?.attempts === 1, {
    what: 'the attempt to commit',
  });
  const taken = (await takenOver(other)).map((e) => [e.id, e.attempts]);
  assert.deepEqual(taken, [['s1', 1]], 'taken over once the lease ended, resuming after the recorded attempt (a repeat)');
  proxy.release();
  await assert.rejects(attempt, { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' }, 'the stalled node must not send it too');
  assert.equal(stalled.size, 0, 'let go');
  assert.equal((await check.query<{ lease_owner: string }>("SELECT lease_owner FROM iso8583_saf WHERE id = 's1'")).rows[0]?.lease_owner, 'other-node');
});

test('PgJournal: an add whose commit comes back after the lease ended (the node stalled) fails: the original is not sent while the node that took the entry over reverses it', async (t) => {
  const { proxy, check, stalled, other } = await stallingPair(t, 'add_stall');
  await Promise.all([stalled.open(), other.open()]);
  proxy.hold();
  const add = stalled.add(entry('a1'));
  add.catch(() => undefined);
  await waitUntil(async () => (await check.query("SELECT 1 FROM iso8583_saf WHERE id = 'a1'")).rowCount === 1, { what: 'the add to commit' });
  const taken = (await takenOver(other)).map((e) => e.id);
  assert.deepEqual(taken, ['a1']);
  proxy.release();
  await assert.rejects(add, { code: 'ISO8583_ERR_CONNECTOR_STORE' }, 'the original must not be written after its reversal');
  assert.equal(stalled.size, 0, 'not held here');
});

test('PgJournal: an attempt refused for a stall is not counted: the node that takes the entry over sends it as the first attempt', async (t) => {
  const url = cluster.createDatabase('stall_uncount');
  const a = new PgJournal({ url, lease: 900, owner: 'node-a' });
  const b = new PgJournal({ url, lease: 900, owner: 'node-b' });
  const check = new pg.Pool({ connectionString: url });
  t.after(async () => {
    await Promise.all([a.close(), b.close()]);
    await check.end();
  });
  await Promise.all([a.open(), b.open()]);
  await a.add(entry('s2'));
  const attempt = a.attempt('s2', 1);
  // The node pauses (GC, swap) right after asking, longer than lease - claimInterval (600 ms).
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 700);
  await assert.rejects(attempt, { code: 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' });
  assert.equal((await check.query<{ attempts: number }>("SELECT attempts FROM iso8583_saf WHERE id = 's2'")).rows[0]?.attempts, 0, 'not sent: not counted');
  // Node a let the entry go, but a renewal it started during the pause (its ids read before the attempt came back)
  // may still extend the lease after the lease is ended here: ended again until node b takes the entry.
  const taken = await waitUntil(
    async () => {
      await check.query("UPDATE iso8583_saf SET lease_until = now() - interval '1 second', attempt_until = NULL");
      const claimed = await b.claim();
      return claimed.length > 0 ? claimed : undefined;
    },
    { what: 'node b to take the entry over' },
  );
  assert.deepEqual(
    taken.map((e) => [e.id, e.attempts]),
    [['s2', undefined]],
    'an original (not a repeat), within saf.maxAttempts',
  );
});
