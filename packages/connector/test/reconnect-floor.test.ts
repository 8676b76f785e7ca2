// The reconnect backoff has a floor: a wait of 0 is refused (0 x 2^n stays 0: a host that refuses was retried in a
// tight loop, thousands of connects a second), and a host that accepts and closes at once counts as a failure in a row
// (the backoff used to start over at every accepted connection: initialDelay between tries for ever). Real sockets: a
// reserved port nothing listens on, and a real listener that closes each connection as it accepts it. The window bounds
// a count of refused attempts (a busy machine only lowers it); whether a drop starts the backoff over is read from the
// wait it reports (`retryIn` of `disconnect`), never from a clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { within } from '@iso8583/test-support';
import type { Iso8583Error } from '@iso8583/codec';
import { createConnector, validateConnectorOptions } from '../src/index.js';
import type { Connector, DisconnectInfo } from '../src/index.js';
import { answer } from './peer.js';
import { downPort, peerFor } from './helpers/setup.js';

/** The window the attempts are counted in, and the most a doubling backoff from 1 ms makes in it (about 11, doubled for jitter and slack). */
const WINDOW = 1_000;
const MOST = 25;

/** The smallest `reconnect.initialDelay` the options accept (0 before the floor). */
function smallestDelay(): number {
  for (const initialDelay of [0, 1]) {
    try {
      validateConnectorOptions({ host: '127.0.0.1', port: 1, reconnect: { initialDelay } });
      return initialDelay;
    } catch {
      // refused: try the next
    }
  }
  throw new Error('no reconnect.initialDelay below 2 is accepted');
}

/** Resolves after `ms`: the end of a counting window (the count is bounded above whatever the machine's load). */
const windowEnds = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `count()` reaches `n` (checked at each event of `connector`), or fails after 10 s. */
function reaches(connector: Connector, event: 'error' | 'disconnect', count: () => number, n: number): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (count() >= n) resolve();
      };
      connector.on(event, check);
      check();
    }),
    10_000,
    `${n} connect attempts`,
  );
}

test('validateConnectorOptions – a reconnect initialDelay or maxDelay of 0 is refused, naming it', () => {
  const base = { host: '127.0.0.1', port: 1 };
  for (const [field, reconnect] of [
    ['reconnect.initialDelay', { initialDelay: 0 }],
    ['reconnect.maxDelay', { maxDelay: 0 }],
  ] as const) {
    assert.throws(
      () => validateConnectorOptions({ ...base, reconnect }),
      (err: Iso8583Error) => {
        assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
        assert.deepEqual(err.problems?.map((p) => p.field), [field]);
        assert.match(err.message, new RegExp(field.replace('.', '\\.')));
        return true;
      },
      field,
    );
  }
  assert.deepEqual({ ...validateConnectorOptions({ ...base, reconnect: { initialDelay: 1, maxDelay: 1 } }).reconnect }, { initialDelay: 1, maxDelay: 1 });
});

test('validateConnectorOptions – a reconnect initialDelay above maxDelay is refused, naming both (the default maxDelay too)', () => {
  const base = { host: '127.0.0.1', port: 1 };
  for (const reconnect of [{ initialDelay: 5000, maxDelay: 250 }, { initialDelay: 30_001 }]) {
    assert.throws(
      () => validateConnectorOptions({ ...base, reconnect }),
      (err: Iso8583Error) => {
        assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
        assert.deepEqual(err.problems?.map((p) => p.field), ['reconnect.initialDelay']);
        assert.match(err.message, /reconnect\.initialDelay \(must not be more than reconnect\.maxDelay/);
        return true;
      },
      JSON.stringify(reconnect),
    );
  }
  // Above the schema's maximum: named once, by the schema.
  assert.throws(
    () => validateConnectorOptions({ ...base, reconnect: { initialDelay: 2 ** 31, maxDelay: 250 } }),
    (err: Iso8583Error) => {
      assert.deepEqual(err.problems?.map((p) => p.field), ['reconnect.initialDelay']);
      return true;
    },
  );
  assert.deepEqual({ ...validateConnectorOptions({ ...base, reconnect: { initialDelay: 30_000 } }).reconnect }, { initialDelay: 30_000, maxDelay: 30_000 });
});

test('reconnect – a host that refuses is tried with doubling waits from the smallest initialDelay: a handful of connects a second', async (t) => {
  const port = await downPort(t);
  const connector = createConnector({ host: '127.0.0.1', port, reconnect: { initialDelay: smallestDelay() }, transactionLog: false });
  t.after(() => connector.destroy());
  let failed = 0;
  connector.on('error', (err: Iso8583Error) => {
    if (err.code === 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED') failed += 1;
  });
  const window = windowEnds(WINDOW);
  connector.connect().catch(() => undefined);
  await reaches(connector, 'error', () => failed, 3); // it does try again
  await window;
  assert.ok(failed <= MOST, `${failed} connects refused in ${WINDOW} ms: the waits do not grow`);
});

test('reconnect – a host that accepts and closes at once is a failure in a row: the wait each drop reports grows', async (t) => {
  // initialDelay 100: the first drop waits 50 to 100 ms; counted as failures in a row, the next ones wait 100 to 200,
  // 200 to 400 ms (above 100 but when the jitter draws its very lowest). The backoff starting over at each accepted
  // connection made every drop wait 50 to 100 ms for ever (with initialDelay 1, hundreds of connects a second). A drop
  // starts the backoff over by itself only when its connection stayed up a whole ceiling (200 ms and more): a stalled
  // machine could do that once, not at each of five drops. Read from `retryIn`, never from a clock.
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  const connector = createConnector({ host: '127.0.0.1', port, reconnect: { initialDelay: 100 }, transactionLog: false });
  t.after(() => connector.destroy());
  const waits: (number | undefined)[] = [];
  const grown = new Promise<void>((resolve) =>
    connector.on('disconnect', ({ retryIn }) => {
      waits.push(retryIn);
      if ((retryIn ?? 0) > 100 || waits.length === 6) resolve();
    }),
  );
  connector.connect().catch(() => undefined);
  await within(grown, 20_000, 'six drops, or one that waits longer than the first delay');
  assert.ok(accepted >= waits.length, `${accepted} connections accepted for ${waits.length} drops`);
  assert.ok(waits.some((w) => (w ?? 0) > 100), `the drops waited ${waits.join(', ')} ms: the backoff starts over at each accepted connection`);
});

test('reconnect – a connection the host spoke on starts the backoff over: after a long outage, a drop is retried after the first delay', async (t) => {
  // Ten connects refused in a row (waits from 1 ms, doubling: about a second in all): counted as one more failure in a
  // row, the drop would wait 512 to 1024 ms or more (`retryIn`); started over, the first delay: between half and all
  // of 1 ms, 1. The connection's short life decides nothing: it would have to stay up a whole ceiling (1024 ms and
  // more) to start the backoff over by itself, and then this test could only pass, never fail.
  const port = await downPort(t);
  const connector = createConnector({ host: '127.0.0.1', port, signOn: true, reconnect: { initialDelay: 1 }, transactionLog: false });
  t.after(() => connector.destroy());
  let failed = 0;
  connector.on('error', (err: Iso8583Error) => {
    if (err.code === 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED') failed += 1;
  });
  const drops: DisconnectInfo[] = [];
  const dropped = new Promise<void>((resolve) =>
    connector.on('disconnect', (info) => {
      drops.push(info);
      resolve();
    }),
  );
  connector.connect().catch(() => undefined);
  await reaches(connector, 'error', () => failed, 10);
  // The host comes back and answers the sign-on (it spoke on the connection), then drops that first connection.
  let signOns = 0;
  const peer = await peerFor(t, (r, p) => {
    signOns += 1;
    p.send(r.socket, answer(r.message));
    if (signOns === 1) setImmediate(() => r.socket.destroy());
  }, { port });
  let connects = 0;
  const second = new Promise<void>((resolve) =>
    connector.on('connect', () => {
      connects += 1;
      if (connects === 2) resolve();
    }),
  );
  await within(dropped, 20_000, 'the first connection dropped');
  assert.ok(failed >= 10, `${failed} connects refused before the host came back`);
  assert.equal(drops[0]?.retryIn, 1, `the drop waits ${drops[0]?.retryIn} ms before the next connect, not the first delay: the backoff did not start over`);
  await within(second, 20_000, 'a second connection after the first one dropped');
  assert.equal(peer.received.length, 2, 'one sign-on on each connection');
});
