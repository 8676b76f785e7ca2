// Abort listeners: the connector's own signals (a pool of more than 10 connecting at once) and a caller's signal
// shared by many requests get no false MaxListenersExceededWarning from Node, and a shared signal's abort still
// reaches every request on it. Real sockets; the warning is read from `process`'s 'warning' event, which Node emits
// on the next tick (the test waits one turn of the event loop for it, no timer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

/** The MaxListenersExceededWarnings `process` emits until the returned function is called (which gives them). */
function leakWarnings(): () => Promise<string[]> {
  const seen: string[] = [];
  const listener = (w: Error): void => {
    if (w.name === 'MaxListenersExceededWarning') seen.push(w.message);
  };
  process.on('warning', listener);
  return async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    process.removeListener('warning', listener);
    return seen;
  };
}

test('abort listeners – a multiplex pool of 12 connecting at once: no leak warning on the connector\'s own signals', async (t) => {
  const warnings = leakWarnings();
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { pool: { min: 12, max: 12 } });
  // The 12 connect attempts start together, each listening to the factory's signals until it settles.
  await connector.connect();
  assert.equal((await connector.request(purchase('500001')))['39'], '00');
  assert.deepEqual(await warnings(), []);
});

test('abort listeners – an exclusive pool of 20 under a burst of 20: all answered, no leak warning', async (t) => {
  const warnings = leakWarnings();
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { mode: 'exclusive', pool: { min: 1, max: 20 } });
  await connector.connect();
  const out = await Promise.all(Array.from({ length: 20 }, (_, i) => connector.request(purchase(String(510000 + i), 'T' + String(i).padStart(7, '0'))).then(() => 'ok', (e: { code: string }) => e.code)));
  assert.deepEqual(out, Array.from({ length: 20 }, () => 'ok'));
  assert.deepEqual(await warnings(), []);
});

test('abort listeners – one caller signal on 30 requests at once: one listener, no leak warning, none left after', async (t) => {
  const warnings = leakWarnings();
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 60_000 });
  await connector.connect();
  const shared = new AbortController();
  const pending = Array.from({ length: 30 }, (_, i) => connector.request(purchase(String(520000 + i)), { signal: shared.signal }));
  await peer.waitFor(30);
  assert.equal(getEventListeners(shared.signal, 'abort').length, 1, 'one listener for every request on the signal');
  for (const r of peer.received) peer.send(r.socket, answer(r.message));
  const answered = await Promise.all(pending);
  assert.deepEqual(answered.map((m) => m['39']), Array.from({ length: 30 }, () => '00'));
  assert.equal(getEventListeners(shared.signal, 'abort').length, 0, 'the listener removed with the last request');
  assert.deepEqual(await warnings(), []);
});

test('abort listeners – one caller signal aborted with 2 requests written and 28 waiting for a connection: every one aborted', async (t) => {
  const warnings = leakWarnings();
  const { peer, connector } = await peerAndConnector(t, () => undefined, { mode: 'exclusive', requestTimeout: 60_000, pool: { min: 2, max: 2, acquireTimeout: 60_000 } });
  await connector.connect();
  const shared = new AbortController();
  const outcomes = Array.from({ length: 30 }, (_, i) =>
    connector.request(purchase(String(530000 + i), 'T' + String(i).padStart(7, '0')), { signal: shared.signal }).then(
      () => 'answered',
      (e: { code: string; sent?: string }) => `${e.code} ${String(e.sent)}`,
    ),
  );
  await peer.waitFor(2);
  shared.abort(new Error('shutting down'));
  const out = await Promise.all(outcomes);
  assert.equal(peer.received.length, 2, 'the waiting requests were never written');
  assert.deepEqual(out.filter((o) => o === 'ISO8583_ERR_CONNECTOR_ABORTED maybe').length, 2);
  assert.deepEqual(out.filter((o) => o === 'ISO8583_ERR_CONNECTOR_ABORTED no').length, 28);
  assert.equal(getEventListeners(shared.signal, 'abort').length, 0);
  // A request after the abort is refused unwritten; the signal gets no listener back.
  const late = await connector.request(purchase('530099'), { signal: shared.signal }).then(() => 'answered', (e: { code: string; sent?: string }) => `${e.code} ${String(e.sent)}`);
  assert.equal(late, 'ISO8583_ERR_CONNECTOR_ABORTED no');
  assert.equal(getEventListeners(shared.signal, 'abort').length, 0);
  assert.deepEqual(await warnings(), []);
});
