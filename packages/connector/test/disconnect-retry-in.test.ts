// The wait the connector chose after a drop is a public fact: `retryIn` (ms before the next connect attempt dials) on
// the `disconnect` event and on the `connection closed` log line, the same number, as `connection failed` reports it
// for a refused attempt; none while the connector closes (no attempt follows). Real sockets: a peer that answers the
// sign-on and then drops the first connection, and one that refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin, within } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import type { DisconnectInfo } from '../src/index.js';
import { answer } from './peer.js';
import { capturedLogger, downPort, peerFor } from './helpers/setup.js';

/** The `retryIn` of the log lines `msg` of `lines`, in order (undefined where the line has none). */
function retryInOf(lines: readonly Record<string, unknown>[], msg: string): unknown[] {
  return lines.filter((l) => l.msg === msg).map((l) => l.retryIn);
}

test('disconnect – a drop says what it waits before the next connect (retryIn), as its log line does; a close says none', async (t) => {
  // initialDelay 200: the first delay lies between 100 and 200 ms (the connection, answered, starts the backoff over).
  let signOns = 0;
  const peer = await peerFor(t, (r, p) => {
    signOns += 1;
    p.send(r.socket, answer(r.message));
    if (signOns === 1) setImmediate(() => r.socket.destroy());
  });
  const { logger, lines } = capturedLogger('info');
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, signOn: true, reconnect: { initialDelay: 200 }, logger, transactionLog: false });
  t.after(() => connector.destroy());
  const drops: DisconnectInfo[] = [];
  let connects = 0;
  const second = new Promise<void>((resolve) =>
    connector.on('connect', () => {
      connects += 1;
      if (connects === 2) resolve();
    }),
  );
  connector.on('disconnect', (info) => drops.push(info));
  await connector.connect();
  await within(second, 10_000, 'a second connection after the first one dropped');
  const retryIn = drops[0]?.retryIn;
  assert.equal(drops.length, 1);
  assert.ok(typeof retryIn === 'number' && retryIn >= 100 && retryIn <= 200, `retryIn ${retryIn}: the first delay is between half and all of initialDelay`);
  await connector.close();
  assert.equal(drops.length, 2);
  assert.equal(drops[1]?.retryIn, undefined, 'no attempt follows a close');
  assert.deepEqual(retryInOf(lines, 'connection closed'), [retryIn, undefined], 'the log lines say the same waits');
});

test('connection failed – the log line of a refused attempt says the wait the backoff chose (retryIn), growing', async (t) => {
  const port = await downPort(t);
  const { logger, lines } = capturedLogger('info');
  const connector = createConnector({ host: '127.0.0.1', port, reconnect: { initialDelay: 1 }, logger, transactionLog: false });
  t.after(() => connector.destroy());
  let failed = 0;
  const third = new Promise<void>((resolve) =>
    connector.on('error', () => {
      failed += 1;
      if (failed === 3) resolve();
    }),
  );
  connector.connect().catch(() => undefined);
  await within(third, 10_000, 'three refused connects');
  // Ceilings 1, 2, 4 ms: each wait between half and all of its ceiling.
  const [a, b, c] = retryInOf(lines, 'connection failed') as number[];
  assert.equal(a, 1);
  assert.ok(b !== undefined && b >= 1 && b <= 2, `second wait ${b}`);
  assert.ok(c !== undefined && c >= 2 && c <= 4, `third wait ${c}`);
});

test('a host that drops the connection during its sign-on: one failure, one backoff step, the same retryIn on the drop and the failure', async (t) => {
  // initialDelay 1000: the first wait lies in [500, 1000); a second step would make it [1000, 2000).
  const peer = await peerFor(t, (r) => r.socket.destroy());
  const { logger, lines } = capturedLogger('info');
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, signOn: true, reconnect: { initialDelay: 1000, maxDelay: 60_000 }, logger, transactionLog: false });
  t.after(() => connector.destroy());
  const drops: DisconnectInfo[] = [];
  connector.on('disconnect', (info) => drops.push(info));
  const failed = eventWithin<{ code: string }>(10_000, 'the sign-on did not fail', (resolve) => connector.once('error', (err) => resolve(err)));
  connector.connect().catch(() => undefined);
  const err = await failed;
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_SIGN_ON');
  const [retryIn] = retryInOf(lines, 'connection failed') as number[];
  assert.ok(retryIn !== undefined && retryIn >= 500 && retryIn < 1000, `retryIn ${retryIn}: one step, the first wait (between half and all of initialDelay)`);
  assert.equal(drops.length, 1);
  assert.equal(drops[0]?.retryIn, retryIn, 'the drop says the wait its failed attempt counted');
});
