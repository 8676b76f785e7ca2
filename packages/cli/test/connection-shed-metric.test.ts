// `iso8583_gateway_connections_shed_total` is the caps' own count since the start, as `GET /stats` shows it: after
// `registry.resetMetrics()` it was put back to 0 and then only added what was shed since the last scrape, short of
// the cap's figures for good. A real server on 127.0.0.1 capped at one connection (each new one evicts the last).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { Registry } from 'prom-client';
import { capConnections } from '../src/http/connection-cap.js';
import { connectionFigures, countConnections } from '../src/gateway/connection-metrics.js';

test('connections shed metric – the cap\'s own count, before and after registry.resetMetrics()', async (t) => {
  const server = createServer();
  let sheds = 0;
  const waiters: (() => void)[] = [];
  const cap = capConnections(server, 1, { onShed: () => { sheds += 1; for (const w of waiters.splice(0)) w(); } });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const clients: Socket[] = [];
  t.after(() => {
    for (const c of clients) c.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  /** Opens `n` connections, one after the other, each evicting the one before; resolves once the cap counted them. */
  const shed = async (n: number): Promise<void> => {
    const target = sheds + n;
    const opened = n + (clients.length === 0 ? 1 : 0);
    for (let i = 0; i < opened; i++) {
      const c = connect(port, '127.0.0.1');
      c.on('error', () => undefined);
      clients.push(c);
      await new Promise<void>((resolve) => c.once('connect', resolve));
    }
    while (sheds < target) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  const registry = new Registry();
  countConnections(registry, { http: cap });
  const scraped = async (): Promise<number> => {
    const text = await registry.metrics();
    const m = /^iso8583_gateway_connections_shed_total\{port="http",outcome="evicted"\} (\d+)$/m.exec(text);
    assert.ok(m !== null, text);
    return Number(m[1]);
  };
  await shed(2);
  assert.equal(await scraped(), 2);
  await shed(3);
  registry.resetMetrics();
  await shed(1);
  assert.equal(connectionFigures({ http: cap }).http?.evicted, 6);
  assert.equal(await scraped(), 6, 'the count since the start, as GET /stats shows it');
  assert.equal(await scraped(), 6, 'a second scrape reads the same');
});
