// One request at a time per terminal across nodes: two connectors on one PostgreSQL store with terminalQueue on, and
// a slow host; a terminal's second request, sent through the other connector, waits for the first.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { startPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { TERMINAL_LOCK_NAMESPACE, createConnector, terminalLockKey } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
after(() => cluster.destroy());

test('terminalLockKey: a stable signed 32-bit key per terminal id', () => {
  assert.equal(terminalLockKey('TERM0001'), terminalLockKey('TERM0001'));
  assert.notEqual(terminalLockKey('TERM0001'), terminalLockKey('TERM0002'));
  for (const t of ['', 'TERM0001', '00992468', 'ÿÿÿÿ']) {
    const k = terminalLockKey(t);
    assert.ok(Number.isInteger(k) && k >= -(2 ** 31) && k < 2 ** 31, `${t}: ${k}`);
  }
});

test('terminalQueue on a shared store: a terminal\'s second request waits, on another node, until its first is answered; other terminals do not', async (t) => {
  const url = cluster.createDatabase('terminal_lock');
  const held = new Map<string, () => void>();
  const peer = await startPeer((r, p) => {
    // The slow host: the first purchase of TERM0001 waits until the test releases it.
    if (r.message['11'] === '300001') held.set('300001', () => p.send(r.socket, answer(r.message)));
    else p.send(r.socket, answer(r.message));
  });
  const options = { host: '127.0.0.1', port: peer.port, requestTimeout: 20_000, store: url, terminalQueue: { enabled: true, timeout: 20_000 } };
  const nodeA = createConnector({ ...options, name: 'node-a' });
  const nodeB = createConnector({ ...options, name: 'node-b' });
  const watch = new pg.Pool({ connectionString: url });
  t.after(async () => {
    await Promise.all([nodeA.destroy(), nodeB.destroy()]);
    await watch.end();
    await peer.close();
  });
  await Promise.all([nodeA.connect(), nodeB.connect()]);

  const first = nodeA.request(purchase('300001', 'TERM0001'));
  await peer.waitFor(1);
  const second = nodeB.request(purchase('300002', 'TERM0001'));
  // Node B is waiting on TERM0001's lock (seen in pg_locks), and nothing of it reached the host.
  const key = terminalLockKey('TERM0001');
  await waitUntil(
    async () => {
      const { rows } = await watch.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1::int::oid AND objid = $2::int::oid AND objsubid = 2",
        [TERMINAL_LOCK_NAMESPACE, key],
      );
      return rows[0]?.n === 1;
    },
    { what: 'node B to wait for the lock of TERM0001' },
  );
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['300001']);
  // Another terminal goes through node B meanwhile.
  assert.equal((await nodeB.request(purchase('300003', 'TERM0002')))['39'], '00');
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['300001', '300003']);

  held.get('300001')?.();
  assert.equal((await first)['39'], '00');
  assert.equal((await second)['39'], '00');
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['300001', '300003', '300002'], 'the second request of TERM0001 left after the first was answered');
});

test('destroy does not wait for another node\'s request: a request waiting for its terminal\'s lock fails at once with ISO8583_ERR_CONNECTOR_CLOSED', async (t) => {
  const url = cluster.createDatabase('terminal_lock_destroy');
  const held: (() => void)[] = [];
  const peer = await startPeer((r, p) => {
    if (r.message['11'] === '400001') held.push(() => p.send(r.socket, answer(r.message)));
    else p.send(r.socket, answer(r.message));
  });
  // A lock wait as long as the test runner's own timeout: only the fix makes the waiting request end before it.
  const options = { host: '127.0.0.1', port: peer.port, requestTimeout: 120_000, store: url, terminalQueue: { enabled: true, timeout: 120_000 } };
  const nodeA = createConnector({ ...options, name: 'node-a' });
  const nodeB = createConnector({ ...options, name: 'node-b' });
  const watch = new pg.Pool({ connectionString: url });
  t.after(async () => {
    await nodeA.destroy();
    await watch.end();
    await peer.close();
  });
  await Promise.all([nodeA.connect(), nodeB.connect()]);
  const first = nodeA.request(purchase('400001', 'TERM0009'));
  await peer.waitFor(1);
  const second = nodeB.request(purchase('400002', 'TERM0009'));
  await waitUntil(
    async () => {
      const { rows } = await watch.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
      return rows[0]?.n === 1;
    },
    { what: 'node B to wait for the lock of TERM0009' },
  );
  await nodeB.destroy();
  await assert.rejects(second, { code: 'ISO8583_ERR_CONNECTOR_CLOSED' });
  held.shift()?.();
  assert.equal((await first)['39'], '00');
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['400001'], 'the destroyed node sent nothing');
});

test('a database restart while a request holds its terminal\'s lock: the node lives, the lock is logged as lost (57P01), the request keeps its answer, the next one locks again', async (t) => {
  const url = cluster.createDatabase('terminal_lock_outage');
  const held: (() => void)[] = [];
  const peer = await startPeer((r, p) => {
    if (r.message['11'] === '500002') held.push(() => p.send(r.socket, answer(r.message)));
    else p.send(r.socket, answer(r.message));
  });
  const logged: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(line) });
  const node = createConnector({ name: 'node-a', host: '127.0.0.1', port: peer.port, requestTimeout: 20_000, store: url, terminalQueue: { enabled: true, timeout: 20_000 }, transactionLog: false, logger });
  t.after(async () => {
    await node.destroy();
    await peer.close();
  });
  await node.connect();
  assert.equal((await node.request(purchase('500001', 'TERM0003')))['39'], '00', 'the lock pool is made');
  const inFlight = node.request(purchase('500002', 'TERM0003'));
  await peer.waitFor(2);
  // Without a listener on the checked-out connection, the server's 57P01 is an unhandled 'error' event: exit 1.
  cluster.stopServer();
  try {
    await waitUntil(() => logged.some((l) => l.includes('terminal lock lost')), { what: 'the lost lock to be logged' });
  } finally {
    cluster.startServer();
  }
  const line = JSON.parse(logged.find((l) => l.includes('terminal lock lost')) as string) as { code?: string; cause?: string };
  assert.deepEqual({ code: line.code, cause: line.cause }, { code: 'ISO8583_WARN_TERMINAL_LOCK_LOST', cause: '57P01' });
  held.shift()?.();
  assert.equal((await inFlight)['39'], '00', 'the request at the bank keeps its one outcome');
  assert.equal((await node.request(purchase('500003', 'TERM0003')))['39'], '00', 'the next request of the terminal takes a new connection and the lock');
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['500001', '500002', '500003']);
});
