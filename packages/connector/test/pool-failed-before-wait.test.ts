// Both pool modes: a request that comes after a connect attempt failed, while no connection is open and the next attempt waits out a
// backoff longer than the request's `pool.acquireTimeout`: it waited that whole time for nothing and failed
// POOL_EXHAUSTED, the host's refusal unsaid (a request racing the first attempt of its connector, on a loaded machine,
// too). Now it fails at once with the failed attempt's error, never written; a next attempt due within the wait is
// still waited for. The exclusive pool waited so too (a new attempt counted its backoff from its start) after the
// multiplex pool was mended (fix60a).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import { within } from '@iso8583/test-support';
import { closedPort } from './helpers/closed-port.js';
import { failure } from './helpers/failure.js';

for (const mode of ['multiplex', 'exclusive'] as const) {
  test(`${mode}: a request after a refused connect, the next attempt beyond its wait, fails with the refusal, not POOL_EXHAUSTED`, async (t) => {
    const connector = createConnector({
      host: '127.0.0.1',
      port: await closedPort(),
      reconnect: { initialDelay: 60_000, maxDelay: 60_000 },
      mode,
      pool: { acquireTimeout: 3000 },
    });
    connector.on('error', () => undefined);
    t.after(() => connector.destroy());
    // The attempt fails; the next one (multiplex: the permanent connection's replacement; exclusive: the one a request's
    // wait begins) waits 30 to 60 s, beyond each request's 3 s wait.
    await assert.rejects(connector.connect(), { code: 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED' });
    for (const stan of ['005301', '005302']) {
      const err = (await failure(connector.request(purchase(stan)))) as Awaited<ReturnType<typeof failure>> & { sent?: string };
      assert.deepEqual([err.code, err.message, err.sent], ['ISO8583_ERR_CONNECTOR_CONNECT_FAILED', 'cannot connect to the host (ECONNREFUSED)', 'no']);
    }
  });
}

for (const mode of ['multiplex', 'exclusive'] as const) {
  test(`${mode}: a request after a refused sign-on, the next attempt due within its wait: it waits for that attempt and is answered`, async (t) => {
    let signOns = 0;
    // The first sign-on refused, the next ones accepted.
    const peer = await startPeer((r, p) => {
      const first = r.message['0'] === '0800' && (signOns += 1) === 1;
      p.send(r.socket, answer(r.message, { '39': first ? '05' : '00' }));
    });
    const connector = createConnector({
      host: '127.0.0.1',
      port: peer.port,
      signOn: true,
      mode,
      reconnect: { initialDelay: 50, maxDelay: 50 },
      pool: { acquireTimeout: 10_000 },
    });
    connector.on('error', () => undefined);
    t.after(async () => {
      await connector.destroy();
      await peer.close();
    });
    await assert.rejects(connector.connect(), { code: 'ISO8583_ERR_CONNECTOR_SIGN_ON' });
    assert.equal((await connector.request(purchase('005303')))['39'], '00');
  });
}

test('exclusive: the host comes back after the last failed attempt had nobody waiting: a request turned away begins the next attempt, and the connector connects again', async (t) => {
  const port = await closedPort();
  const connector = createConnector({
    host: '127.0.0.1', port, mode: 'exclusive',
    reconnect: { initialDelay: 300, maxDelay: 300 },
    pool: { acquireTimeout: 100 },
  });
  let failures = 0;
  let secondFailure: () => void = () => undefined;
  const failedTwice = new Promise<void>((resolve) => (secondFailure = resolve));
  connector.on('error', (err: { code?: string }) => {
    if (err.code === 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED' && (failures += 1) === 2) secondFailure();
  });
  t.after(() => connector.destroy());
  await assert.rejects(connector.connect(), { code: 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED' });
  // generic-pool retries the refused create once for connect()'s queued borrow (300 ms on, past its 100 ms wait): refused
  // too, with nobody waiting any more. No attempt is under way after it.
  await within(failedTwice, 10_000, 'the second refused attempt');
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message, { '39': '00' })), { port });
  t.after(() => peer.close());
  const connected = new Promise<void>((resolve) => connector.once('connect', () => resolve()));
  // The next attempt is 300 ms away, beyond the request's 100 ms wait: turned away at once with the refusal...
  await assert.rejects(connector.request(purchase('005401')), { code: 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED', sent: 'no' });
  // ...but that attempt is begun: the host, back, is connected to, and the next request is answered.
  await within(connected, 10_000, 'the connector connecting again to the host come back');
  assert.equal((await connector.request(purchase('005402')))['39'], '00');
});
