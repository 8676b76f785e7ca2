// The routes' "dropped unsent (a stop cut it)" line is for a request the connector failed unsent because it closed
// (`ISO8583_ERR_CONNECTOR_CLOSED`) after the client's connection was cut. Any other failure never sent (here the host
// down: `ISO8583_ERR_CONNECTOR_CONNECT_FAILED`) of a client that has gone was logged as a stop's too, which no stop
// was. A real Fastify server, a real HTTP client that leaves, a real connector (to a port nothing listens on).
import { once } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { rawHttp, within } from '@iso8583/test-support';
import { createConnector, untilGone } from '../src/index.js';
import type { Connector } from '../src/index.js';
import { purchase } from './peer.js';
import { capturedLogger, downPort } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

const DEADLINE = 15_000;

/**
 * A server whose route waits for its client to leave, then sends a purchase through `send` (the connector's failure
 * then that of a request whose client has gone), as `untilGone` does for the routes. `started`: the route runs;
 * `failed`: what it threw.
 */
async function serverFor(t: AfterHook, send: (connector: Connector) => Promise<unknown>) {
  const log = capturedLogger('info');
  const connector = createConnector({ host: '127.0.0.1', port: await downPort(t), connectTimeout: 2000, pool: { min: 0, max: 1, acquireTimeout: 2000 } });
  t.after(() => connector.destroy());
  let started: () => void = () => undefined;
  const running = new Promise<void>((resolve) => (started = resolve));
  let failed: (err: unknown) => void = () => undefined;
  const failure = new Promise<unknown>((resolve) => (failed = resolve));
  const app = Fastify();
  app.post('/', async (request, reply) => {
    try {
      return await untilGone(request, reply, async (signal) => {
        started();
        if (!signal.aborted) await once(signal, 'abort');
        return send(connector);
      }, log.logger, purchase('620001'));
    } catch (err) {
      failed(err);
      throw err;
    }
  });
  const address = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
  t.after(async () => {
    app.server.closeAllConnections();
    await app.close();
  });
  const client = rawHttp(Number(address.port));
  t.after(() => client.socket.destroy());
  const body = '{}';
  client.socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  await within(running, DEADLINE, 'the route did not run');
  client.socket.destroy();
  const err = (await within(failure, DEADLINE, 'the request did not fail')) as { code?: string; sent?: string };
  return { log, err, dropped: log.lines.filter((l) => String(l.msg).includes('dropped unsent')) };
}

test('routes – a request of a client gone that fails unsent for another reason (the host down) is not logged as cut by a stop', async (t) => {
  const { err, dropped } = await serverFor(t, (connector) => connector.request(purchase('620001')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED');
  assert.equal(err.sent, 'no');
  assert.deepEqual(dropped.map((l) => l.msg), [], 'a host down is no stop');
});

test('routes – a request of a client gone that fails unsent because its connector closed is logged, once, as cut by a stop', async (t) => {
  const { log, err, dropped } = await serverFor(t, async (connector) => {
    await connector.close();
    return connector.request(purchase('620001'));
  });
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_CLOSED');
  assert.equal(err.sent, 'no');
  assert.equal(dropped.length, 1, log.text());
  assert.match(String(dropped[0]?.msg), /a stop cut it/);
  assert.equal(dropped[0]?.code, 'ISO8583_ERR_CONNECTOR_CLOSED');
  assert.equal(dropped[0]?.stan, '620001');
  assert.doesNotMatch(log.text(), /4111111111111111/);
});
