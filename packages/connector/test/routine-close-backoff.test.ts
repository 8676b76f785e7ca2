// Only a drop the connector did not ask for steps the reconnect backoff (and counts in `reconnects`). A connection it closes itself (the pool's idle
// eviction, with its sign-off; an exclusive connection whose request timed out on it) is no failure: its `disconnect`
// says the next connect waits nothing (`retryIn` 0), and the next request after the quiet period connects at once,
// not after a backoff delay (between half and all of `reconnect.initialDelay`: 15 to 30 s here, far beyond the
// deadlines below). A real drop afterwards still waits the first delay. Real sockets: a peer that answers (all, or all
// but one), and closes the connection itself when signed off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { within } from '@iso8583/test-support';
import type { Connector, DisconnectInfo } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

/** The first delay's ceiling: a wait counted by mistake is 15 to 30 s, which no deadline below allows. */
const INITIAL_DELAY = 30_000;

/** The `disconnect` events of `connector` from now on; `next()` resolves with the next one (or fails after 10 s). */
function disconnects(connector: Connector): { seen: DisconnectInfo[]; next(what: string): Promise<DisconnectInfo> } {
  const seen: DisconnectInfo[] = [];
  let taken = 0;
  const waiting: ((info: DisconnectInfo) => void)[] = [];
  connector.on('disconnect', (info) => {
    seen.push(info);
    const w = waiting.shift();
    if (w !== undefined) {
      taken += 1;
      w(info);
    }
  });
  return {
    seen,
    next: (what) => {
      if (seen.length > taken) return Promise.resolve(seen[taken++] as DisconnectInfo);
      return within(new Promise<DisconnectInfo>((resolve) => waiting.push(resolve)), 10_000, what);
    },
  };
}

test('exclusive pool – a connection closed idle (signed off, the host closing on it) steps no backoff: retryIn 0, the next request connects at once', async (t) => {
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      p.send(r.socket, answer(r.message));
      // A host that closes the connection once it answered the sign-off (field 70 = 002).
      if (r.message['0'] === '0800' && r.message['70'] === '002') setImmediate(() => r.socket.destroy());
    },
    { mode: 'exclusive', pool: { min: 0, max: 1, idleTimeout: 60 }, signOn: true, signOff: true, reconnect: { initialDelay: INITIAL_DELAY }, transactionLog: false },
  );
  const drops = disconnects(connector);
  assert.equal((await within(connector.request(purchase('006101')), 10_000, 'the first purchase answered'))['39'], '00');
  const evicted = await drops.next('the idle connection closed by the pool');
  assert.deepEqual({ code: evicted.code, retryIn: evicted.retryIn }, { code: undefined, retryIn: 0 }, 'a close the pool asked for counts no failure');
  assert.equal(connector.stats().reconnects, 0, 'a close the pool asked for is no reconnect');
  const signOffs = peer.received.filter((r: Received) => r.message['70'] === '002').length;
  assert.equal(signOffs, 1, 'the idle connection was signed off');
  // The next request after the quiet period: a new connection at once, not after a backoff delay.
  assert.equal((await within(connector.request(purchase('006102')), 10_000, 'the purchase after the idle close answered (a backoff delay counted by the close would hold it 15 to 30 s)'))['39'], '00');
  // A real drop (the host cuts the connection, nothing asked) still waits the first delay.
  for (const socket of peer.sockets) socket.destroy();
  const dropped = await drops.next('the drop of the second connection');
  assert.equal(dropped.code, undefined);
  assert.equal(connector.stats().reconnects, 1, 'the drop is a reconnect');
  assert.ok(typeof dropped.retryIn === 'number' && dropped.retryIn >= INITIAL_DELAY / 2 && dropped.retryIn <= INITIAL_DELAY, `a real drop waits the first delay: ${dropped.retryIn}`);
});

test('multiplex pool – a connection beyond pool.min closed idle steps no backoff: retryIn 0, and a real drop then waits the first delay', async (t) => {
  // The host answers a round of requests once all of them arrived: the round keeps the first connection busy, so the
  // pool grows a second one, which stays idle (never spoken on) and is closed after pool.idleTimeout.
  const round: Received[] = [];
  let roundSize = 20;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      round.push(r);
      if (round.length < roundSize) return;
      for (const held of round.splice(0)) p.send(held.socket, answer(held.message));
    },
    { pool: { min: 1, max: 2, idleTimeout: 60 }, reconnect: { initialDelay: INITIAL_DELAY }, transactionLog: false },
  );
  await within(connector.connect(), 10_000, 'the first connection');
  const drops = disconnects(connector);
  const grown = once(connector, 'connect');
  const answered = Promise.all(Array.from({ length: 20 }, (_, i) => connector.request(purchase(String(6200 + i).padStart(6, '0')))));
  await within(grown, 10_000, 'the pool grew a second connection');
  await within(answered, 10_000, 'the round answered');
  roundSize = 1;
  const evicted = await drops.next('the idle second connection closed by the pool');
  assert.deepEqual({ code: evicted.code, retryIn: evicted.retryIn }, { code: undefined, retryIn: 0 }, 'a close the pool asked for counts no failure');
  assert.equal(connector.stats().connected, 1);
  assert.equal(connector.stats().reconnects, 0, 'a close the pool asked for is no reconnect');
  // The host cuts the connection left: the first delay (one failure), and the replacement comes after it.
  for (const socket of peer.sockets) socket.destroy();
  const dropped = await drops.next('the drop of the first connection');
  assert.ok(typeof dropped.retryIn === 'number' && dropped.retryIn >= INITIAL_DELAY / 2 && dropped.retryIn <= INITIAL_DELAY, `a real drop waits the first delay: ${dropped.retryIn}`);
});

test('exclusive pool – the connection it closes after a request timed out on it steps no backoff: retryIn 0, the next request connects at once', async (t) => {
  // The host leaves the first echo request (0800, nothing to reverse) unanswered and answers the rest: the pool closes
  // that connection itself (the host may still be on the request), which is no failure of the link.
  let first = true;
  const { connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (first) {
        first = false;
        return;
      }
      p.send(r.socket, answer(r.message));
    },
    { mode: 'exclusive', pool: { min: 0, max: 1, idleTimeout: 600_000 }, requestTimeout: 200, reconnect: { initialDelay: INITIAL_DELAY }, transactionLog: false },
  );
  const drops = disconnects(connector);
  const echo = (stan: string): Record<string, string> => ({ '0': '0800', '7': '1121103000', '11': stan, '70': '301' });
  await assert.rejects(within(connector.request(echo('006301')), 10_000, 'the unanswered echo request timed out'), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const closed = await drops.next('the connection closed by the pool after the timeout');
  assert.equal(closed.retryIn, 0, 'a close the pool asked for counts no failure');
  assert.equal(connector.stats().reconnects, 0, 'a close the pool asked for is no reconnect');
  assert.equal((await within(connector.request(echo('006302')), 10_000, 'the request after the close answered (a backoff delay counted by the close would hold it 15 to 30 s)'))['39'], '00');
});


test('exclusive pool – a host that ends an idle connection in the turn a request borrows it is a drop: the first delay, a reconnect', async (t) => {
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    mode: 'exclusive',
    pool: { min: 1, max: 1, idleTimeout: 600_000 },
    reconnect: { initialDelay: INITIAL_DELAY },
    transactionLog: false,
  });
  await within(connector.connect(), 10_000, 'the first connection');
  const drops = disconnects(connector);
  // The connection's socket (internal): a request is made in the very turn the host's end is read, as one arriving then
  // would be. The pool's check on the borrow finds the connection no longer open (its close still to come) and has the
  // connector close it: that close used to be taken for one the connector asked for, the drop hidden.
  const [channel] = (connector as unknown as { factory: { open: Set<object> } }).factory.open;
  const socket = (channel as unknown as { socket: Socket }).socket;
  let borrowed = false;
  socket.prependOnceListener('end', () => {
    borrowed = true;
    connector.request(purchase('006401')).catch(() => undefined);
  });
  for (const s of peer.sockets) s.end();
  const dropped = await drops.next('the connection the host ended');
  assert.equal(borrowed, true, 'no request was made in the turn of the host\'s end');
  assert.ok(typeof dropped.retryIn === 'number' && dropped.retryIn >= INITIAL_DELAY / 2 && dropped.retryIn <= INITIAL_DELAY, `a drop waits the first delay: ${dropped.retryIn}`);
  assert.equal(connector.stats().reconnects, 1, 'the drop is a reconnect');
});

test('a connection whose sign-on fails is closed by the connector: a failed connect attempt, no reconnect', async (t) => {
  // A host that accepts and never answers the sign-on: each attempt fails when its sign-on times out (200 ms).
  const { connector } = await peerAndConnector(t, () => undefined, { signOn: true, requestTimeout: 200, reconnect: { initialDelay: 1, maxDelay: 1 }, transactionLog: false });
  let failed = 0;
  const twice = new Promise<void>((resolve) =>
    connector.on('error', (err) => {
      if (err.code === 'ISO8583_ERR_CONNECTOR_SIGN_ON' && ++failed === 2) resolve();
    }),
  );
  const drops = disconnects(connector);
  connector.connect().catch(() => undefined);
  await within(twice, 10_000, 'two sign-ons failed');
  const first = await drops.next('the connection of the first failed sign-on closed');
  assert.equal(first.retryIn, 1, 'the wait the failed attempt counted');
  assert.equal(connector.stats().reconnects, 0, 'a connection that never came up, closed by the connector, counted as a reconnect');
});
