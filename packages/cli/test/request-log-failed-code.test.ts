// The request log's line of a failed request (5xx) names the error code its route answered, as the route noted it
// (the connector's `noteFailedAnswer`), whatever the answer's shape. Before, a hook on every answer looked for the code
// in the body (`"code":"ISO8583_ERR_…"`): an answer in SocketQueue's shape (`{ result: "", errors: ["Gateway
// timeout"] }`) names none, so its line had no code. A real Fastify app with the connector's plugin on 127.0.0.1 port
// 0, before a host that takes every request and answers none (each request ends at its timeout: 504).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { fastify } from 'fastify';
import { pino } from 'pino';
import { iso8583Connector } from '@iso8583/connector';
import { httpCall, waitUntil } from '@iso8583/test-support';
import { logRequests } from '../src/http/app.js';

test('logRequests – a timeout answered in SocketQueue\'s shape: its line names ISO8583_ERR_CONNECTOR_TIMEOUT', async (t) => {
  const sockets = new Set<net.Socket>();
  const host = net.createServer((s) => {
    sockets.add(s);
    s.resume();
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    host.close();
  });
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const app = fastify();
  logRequests(app, logger);
  const port = (host.address() as AddressInfo).port;
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port, requestTimeout: 300, routes: { answers: 'socketqueue' } });
  t.after(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });

  const body = JSON.stringify({ 0: '0800', 7: '1206120000', 11: '000001', 70: '301' });
  const answer = await httpCall((app.server.address() as AddressInfo).port, 'POST', '/', { 'content-type': 'application/json' }, body);
  assert.equal(answer.status, 504);
  assert.deepEqual(JSON.parse(answer.body), { result: '', errors: ['Gateway timeout'] });
  const line = await waitUntil(() => lines.find((l) => l.status === 504), { what: 'the line of the 504' });
  assert.equal(line.level, 40);
  assert.equal(line.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal(line.failure, undefined, 'a coded failure is no unexpected one');
});
